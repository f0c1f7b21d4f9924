using Gyre.Core.Engine;
using Microsoft.Extensions.Time.Testing;

namespace Gyre.Specification.Tests;

/// <summary>
/// A backend under test. It starts whatever server it needs once per test class (an xunit class fixture) and hands
/// each test an isolated <see cref="IEngineScope"/>, so tests never see each other's channels.
/// </summary>
public interface IEngineFixture
{
    /// <summary>A fresh namespace on the backend (a unique key or subject prefix) for one test.</summary>
    IEngineScope CreateScope();
}

/// <summary>
/// One test's namespace on a backend. Every broker it creates is another node on the same backend namespace, so
/// two brokers from one scope are two nodes of one cluster. Everything created is disposed with the scope.
/// </summary>
public interface IEngineScope : IAsyncDisposable
{
    /// <summary>The clock engines judge expiry by where they take a <see cref="TimeProvider"/>; starts at the real time.</summary>
    FakeTimeProvider Clock { get; }

    /// <summary>A broker acting as node <paramref name="nodeId"/>; not started yet.</summary>
    ValueTask<IBroker> CreateBrokerAsync(string nodeId);

    /// <summary>A presence manager whose entries live <paramref name="ttl"/> without a refresh, on <see cref="Clock"/>.</summary>
    ValueTask<IPresenceManager> CreatePresenceManagerAsync(TimeSpan ttl);

    /// <summary>
    /// Lets history, meta and idempotency TTLs of <paramref name="duration"/> lapse: advances <see cref="Clock"/> and,
    /// for a server that enforces TTLs with its own clock (Redis), waits that long in real time.
    /// </summary>
    Task LetTtlsPassAsync(TimeSpan duration);
}
