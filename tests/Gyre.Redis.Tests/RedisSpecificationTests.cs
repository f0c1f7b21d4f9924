using Gyre.Specification.Tests;

namespace Gyre.Redis.Tests;

// Standalone Redis with plain PUB/SUB: the default engine.redis setup.
public sealed class RedisBrokerTests(RedisFixture fixture) : BrokerSpecification<RedisFixture>(fixture);

public sealed class RedisScaleoutTests(RedisFixture fixture) : ScaleoutSpecification<RedisFixture>(fixture);

public sealed class RedisHistoryTests(RedisFixture fixture) : HistorySpecification<RedisFixture>(fixture);

public sealed class RedisPresenceManagerTests(RedisFixture fixture) : PresenceManagerSpecification<RedisFixture>(fixture);

// Sharded PUB/SUB: publishes go out through SPUBLISH, inside the publish script as well.
public sealed class RedisShardedPubSubBrokerTests(RedisShardedPubSubFixture fixture) : BrokerSpecification<RedisShardedPubSubFixture>(fixture);

public sealed class RedisShardedPubSubScaleoutTests(RedisShardedPubSubFixture fixture) : ScaleoutSpecification<RedisShardedPubSubFixture>(fixture);

public sealed class RedisShardedPubSubHistoryTests(RedisShardedPubSubFixture fixture) : HistorySpecification<RedisShardedPubSubFixture>(fixture);

// Presence with the per-user index.
public sealed class RedisUserMappingPresenceManagerTests(RedisUserMappingFixture fixture) : PresenceManagerSpecification<RedisUserMappingFixture>(fixture);

// Two servers, channels spread by consistent hashing.
public sealed class RedisClientShardingBrokerTests(RedisClientShardingFixture fixture) : BrokerSpecification<RedisClientShardingFixture>(fixture);

public sealed class RedisClientShardingScaleoutTests(RedisClientShardingFixture fixture) : ScaleoutSpecification<RedisClientShardingFixture>(fixture);

public sealed class RedisClientShardingHistoryTests(RedisClientShardingFixture fixture) : HistorySpecification<RedisClientShardingFixture>(fixture);

public sealed class RedisClientShardingPresenceManagerTests(RedisClientShardingFixture fixture) : PresenceManagerSpecification<RedisClientShardingFixture>(fixture);

// Redis Cluster of three masters: hash tags keep each channel's keys in one slot.
public sealed class RedisClusterBrokerTests(RedisClusterFixture fixture) : BrokerSpecification<RedisClusterFixture>(fixture);

public sealed class RedisClusterScaleoutTests(RedisClusterFixture fixture) : ScaleoutSpecification<RedisClusterFixture>(fixture);

public sealed class RedisClusterHistoryTests(RedisClusterFixture fixture) : HistorySpecification<RedisClusterFixture>(fixture);

public sealed class RedisClusterPresenceManagerTests(RedisClusterFixture fixture) : PresenceManagerSpecification<RedisClusterFixture>(fixture);

// Redis Cluster with sharded PUB/SUB, the setup for many channels on a large cluster.
public sealed class RedisClusterShardedPubSubScaleoutTests(RedisClusterShardedPubSubFixture fixture) : ScaleoutSpecification<RedisClusterShardedPubSubFixture>(fixture);

public sealed class RedisClusterShardedPubSubHistoryTests(RedisClusterShardedPubSubFixture fixture) : HistorySpecification<RedisClusterShardedPubSubFixture>(fixture);

// Master found through a sentinel, in steady state; failover is not covered by these specifications.
public sealed class RedisSentinelBrokerTests(RedisSentinelFixture fixture) : BrokerSpecification<RedisSentinelFixture>(fixture);

public sealed class RedisSentinelScaleoutTests(RedisSentinelFixture fixture) : ScaleoutSpecification<RedisSentinelFixture>(fixture);

public sealed class RedisSentinelHistoryTests(RedisSentinelFixture fixture) : HistorySpecification<RedisSentinelFixture>(fixture);

public sealed class RedisSentinelPresenceManagerTests(RedisSentinelFixture fixture) : PresenceManagerSpecification<RedisSentinelFixture>(fixture);
