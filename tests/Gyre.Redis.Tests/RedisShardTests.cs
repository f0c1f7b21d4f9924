namespace Gyre.Redis.Tests;

public sealed class RedisShardTests
{
    [Fact]
    public void MasterIdIsTheStartOfAMastersReplicationId()
    {
        const string info = "# Replication\r\nrole:master\r\nconnected_slaves:0\r\nmaster_replid:1ef5a8b3ef09467d8b353f35656e1952f6e24f3a\r\nmaster_replid2:0000000000000000000000000000000000000000\r\n";

        Assert.Equal("1ef5a8b3ef09467d", RedisShard.ParseMasterId(info));
    }

    [Fact]
    public void ReplicaHasNoMasterId()
    {
        const string info = "# Replication\r\nrole:slave\r\nmaster_host:127.0.0.1\r\nmaster_replid:1ef5a8b3ef09467d8b353f35656e1952f6e24f3a\r\n";

        Assert.Equal("", RedisShard.ParseMasterId(info));
    }
}
