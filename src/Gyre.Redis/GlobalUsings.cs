// Protocol messages share names with engine types (PublishResult, HistoryResult) and with StackExchange.Redis
// (ClientInfo); these aliases pick the ones the engine contracts use.
global using ClientInfo = Gyre.Protocol.Messages.ClientInfo;
global using HistoryResult = Gyre.Core.Engine.HistoryResult;
global using PublishResult = Gyre.Core.Engine.PublishResult;
global using StreamPosition = Gyre.Core.Engine.StreamPosition;
