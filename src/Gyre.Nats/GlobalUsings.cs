// Protocol messages share names with engine types; these aliases pick the ones the engine contracts use.
global using HistoryResult = Gyre.Core.Engine.HistoryResult;
global using PublishResult = Gyre.Core.Engine.PublishResult;
global using StreamPosition = Gyre.Core.Engine.StreamPosition;
