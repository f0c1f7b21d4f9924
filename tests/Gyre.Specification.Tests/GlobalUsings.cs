// Protocol messages share names with engine types; the specifications speak about the engine's.
global using HistoryResult = Gyre.Core.Engine.HistoryResult;
global using PublishResult = Gyre.Core.Engine.PublishResult;
global using StreamPosition = Gyre.Core.Engine.StreamPosition;
