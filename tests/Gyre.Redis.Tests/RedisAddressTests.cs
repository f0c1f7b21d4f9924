namespace Gyre.Redis.Tests;

public sealed class RedisAddressTests
{
    [Fact]
    public void HostAndPortIsAStandaloneServer()
    {
        var address = RedisAddress.Parse("10.0.0.1:6380", RedisTopology.Standalone);

        Assert.Equal([("10.0.0.1", 6380)], address.Endpoints);
        Assert.Equal(RedisTopology.Standalone, address.Topology);
        Assert.False(address.Tls);
    }

    [Fact]
    public void UrlCarriesUserPasswordAndDatabase()
    {
        var address = RedisAddress.Parse("redis://app:s%40cret@redis.local:6390/3", RedisTopology.Standalone);

        Assert.Equal([("redis.local", 6390)], address.Endpoints);
        Assert.Equal(("app", "s@cret", 3), (address.User, address.Password, address.Db));
    }

    [Fact]
    public void UrlWithoutPortUsesTheDefaultPort()
    {
        Assert.Equal([("redis.local", 6379)], RedisAddress.Parse("redis://redis.local", RedisTopology.Standalone).Endpoints);
        Assert.Equal([("sentinel.local", 26379)], RedisAddress.Parse("sentinel.local", RedisTopology.Sentinel).Endpoints);
    }

    [Fact]
    public void RedissSchemeTurnsOnTls() => Assert.True(RedisAddress.Parse("rediss://redis.local:6380", RedisTopology.Standalone).Tls);

    [Fact]
    public void CommaSeparatedSeedsFormOneClusterShard()
    {
        var address = RedisAddress.Parse("127.0.0.1:7000, 127.0.0.1:7001,127.0.0.1:7002", RedisTopology.Cluster);

        Assert.Equal(3, address.Endpoints.Count);
        Assert.Equal(RedisTopology.Cluster, address.Topology);
    }

    [Fact]
    public void SchemesSelectClusterAndSentinel()
    {
        Assert.Equal(RedisTopology.Cluster, RedisAddress.Parse("redis+cluster://127.0.0.1:7000", RedisTopology.Standalone).Topology);
        var sentinel = RedisAddress.Parse("redis+sentinel://127.0.0.1:26379?sentinel_master_name=mymaster", RedisTopology.Standalone);
        Assert.Equal((RedisTopology.Sentinel, "mymaster"), (sentinel.Topology, sentinel.MasterName));
    }

    [Theory]
    [InlineData("")]
    [InlineData("redis-host:notaport")]
    [InlineData("unix:///var/run/redis.sock")]
    [InlineData("redis://host:6379/db")]
    public void MalformedAddressIsRejected(string address) =>
        Assert.Throws<FormatException>(() => RedisAddress.Parse(address, RedisTopology.Standalone));

    [Fact]
    public void ErrorMessagesNeverShowThePassword()
    {
        var error = Assert.Throws<FormatException>(() => RedisAddress.Parse("redis://app:hunter2@host:6379/x", RedisTopology.Standalone));

        Assert.DoesNotContain("hunter2", error.Message, StringComparison.Ordinal);
    }
}
