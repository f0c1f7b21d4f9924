namespace Gyre.Specification.Tests.Memory;

// The specifications run against the memory engine first: it defines the semantics the other backends match.
// The scale-out specification does not apply: a memory broker is a single node.

public sealed class MemoryBrokerTests(MemoryEngineFixture fixture) : BrokerSpecification<MemoryEngineFixture>(fixture);

public sealed class MemoryHistoryTests(MemoryEngineFixture fixture) : HistorySpecification<MemoryEngineFixture>(fixture);

public sealed class MemoryPresenceManagerTests(MemoryEngineFixture fixture) : PresenceManagerSpecification<MemoryEngineFixture>(fixture);
