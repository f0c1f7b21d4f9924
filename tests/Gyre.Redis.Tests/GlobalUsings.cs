global using ClientInfo = Gyre.Protocol.Messages.ClientInfo;
global using HistoryResult = Gyre.Core.Engine.HistoryResult;
global using PublishResult = Gyre.Core.Engine.PublishResult;
global using StreamPosition = Gyre.Core.Engine.StreamPosition;
