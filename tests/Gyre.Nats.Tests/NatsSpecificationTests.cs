using Gyre.Specification.Tests;

namespace Gyre.Nats.Tests;

// NATS is a broker only: no history (Centrifugo's NATS broker has none), and presence comes from elsewhere.
public sealed class NatsBrokerTests(NatsFixture fixture) : BrokerSpecification<NatsFixture>(fixture);

public sealed class NatsScaleoutTests(NatsFixture fixture) : ScaleoutSpecification<NatsFixture>(fixture);
