global using PublishResult = Gyre.Core.Engine.PublishResult;
global using StreamPosition = Gyre.Core.Engine.StreamPosition;
