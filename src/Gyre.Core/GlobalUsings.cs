// The protocol's generated Disconnect and StreamPosition messages share names with the engine's types;
// inside Core the engine's meaning is the default.
global using Disconnect = Gyre.Core.Errors.Disconnect;
global using StreamPosition = Gyre.Core.Engine.StreamPosition;
