using Gyre.Core.Engine;
using Gyre.Core.Engine.Memory;
using Microsoft.Extensions.Time.Testing;

namespace Gyre.Specification.Tests.Memory;

/// <summary>The reference backend: nothing to start, and every TTL runs on the scope's fake clock.</summary>
public sealed class MemoryEngineFixture : IEngineFixture
{
    public IEngineScope CreateScope() => new Scope();

    private sealed class Scope : IEngineScope
    {
        private readonly List<IAsyncDisposable> _created = [];

        public FakeTimeProvider Clock { get; } = new(DateTimeOffset.UtcNow);

        public ValueTask<IBroker> CreateBrokerAsync(string nodeId)
        {
            var broker = new MemoryBroker(Clock);
            _created.Add(broker);
            return new(broker);
        }

        public ValueTask<IPresenceManager> CreatePresenceManagerAsync(TimeSpan ttl)
        {
            var presence = new MemoryPresenceManager(ttl, Clock);
            _created.Add(presence);
            return new(presence);
        }

        public Task LetTtlsPassAsync(TimeSpan duration)
        {
            Clock.Advance(duration);
            return Task.CompletedTask;
        }

        public async ValueTask DisposeAsync()
        {
            foreach (var item in _created)
            {
                await item.DisposeAsync();
            }
        }
    }
}
