using Gyre.Core.Internal;
using Microsoft.Extensions.Time.Testing;

namespace Gyre.Core.Tests;

public sealed class DeadlineSchedulerTests : IDisposable
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private readonly DeadlineScheduler _scheduler;

    public DeadlineSchedulerTests() => _scheduler = new DeadlineScheduler(_time);

    public void Dispose() => _scheduler.Dispose();

    [Fact]
    public void ALoneDeadlineFiresOnTime()
    {
        var owner = new Owner(_scheduler);
        owner.Schedule(_scheduler.Now() + 5_000);

        AssertFiresAfter(owner, 5_000);
    }

    [Fact]
    public void DeadlinesCloseAfterARunWaitForTheMinimumGapAndFireTogether()
    {
        var first = new Owner(_scheduler);
        first.Schedule(_scheduler.Now() + 1_000);
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(1, first.Fired);

        var second = new Owner(_scheduler);
        var third = new Owner(_scheduler);
        second.Schedule(_scheduler.Now() + 10);
        third.Schedule(_scheduler.Now() + 60);
        _time.Advance(TimeSpan.FromMilliseconds(60));
        Assert.Equal((0, 0), (second.Fired, third.Fired));

        _time.Advance(TimeSpan.FromMilliseconds(40));
        Assert.Equal((1, 1), (second.Fired, third.Fired));
    }

    [Fact]
    public void AMovedDeadlineFiresOnlyAtItsNewTime()
    {
        var owner = new Owner(_scheduler);
        owner.Schedule(_scheduler.Now() + 1_000);
        owner.Schedule(_scheduler.Now() + 3_000);

        AssertFiresAfter(owner, 3_000);
    }

    [Fact]
    public void AbandonedEntriesAreDroppedOnceTheyOutnumberTheLiveOnes()
    {
        var owners = Enumerable.Range(0, 5_000).Select(_ => new Owner(_scheduler)).ToList();
        foreach (var owner in owners)
        {
            owner.Schedule(_scheduler.Now() + (long)TimeSpan.FromHours(1).TotalMilliseconds);
        }

        foreach (var owner in owners.Take(4_000))
        {
            owner.Abandon();
        }

        var late = new Owner(_scheduler);
        late.Schedule(_scheduler.Now() + 1_000);

        // 4,000 stale > 5,001 / 2 + 1,024: the heap was rebuilt with the 1,001 live entries.
        Assert.Equal(1_001, _scheduler.Count);
        _time.Advance(TimeSpan.FromHours(1));
        Assert.Equal(1_000, owners.Sum(o => o.Fired));
        Assert.Equal(1, late.Fired);
    }

    [Fact]
    public void AnOwnerThatThrowsDoesNotStrandTheOthersDueWithIt()
    {
        var failing = new Owner(_scheduler) { Throws = true };
        var other = new Owner(_scheduler);
        failing.Schedule(_scheduler.Now() + 1_000);
        other.Schedule(_scheduler.Now() + 1_000);

        Assert.Throws<InvalidOperationException>(() => _time.Advance(TimeSpan.FromSeconds(1)));
        Assert.Equal(1, other.Fired);
    }

    /// <summary>Not fired 1 ms before <paramref name="ms"/> from now, fired once at it.</summary>
    private void AssertFiresAfter(Owner owner, long ms)
    {
        _time.Advance(TimeSpan.FromMilliseconds(ms - 1));
        Assert.Equal(0, owner.Fired);
        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(1, owner.Fired);
    }

    private sealed class Owner(DeadlineScheduler scheduler) : IDeadlineOwner
    {
        public long DueAt { get; private set; }

        public int Fired { get; private set; }

        public bool Throws { get; init; }

        public void Schedule(long at)
        {
            var replaced = DueAt != 0;
            DueAt = at;
            scheduler.Schedule(this, at, replaced);
        }

        public void Abandon()
        {
            DueAt = 0;
            scheduler.Abandon();
        }

        public void OnDue()
        {
            DueAt = 0;
            Fired++;
            if (Throws)
            {
                throw new InvalidOperationException("owner failed");
            }
        }
    }
}
