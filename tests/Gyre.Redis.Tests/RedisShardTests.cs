namespace Gyre.Redis.Tests;

public sealed class RedisShardTests
{
    [Fact]
    public void MasterIdIsTheStartOfAMastersReplicationId()
    {
        const string info = "# Replication\r\nrole:master\r\nconnected_slaves:0\r\nmaster_replid:1ef5a8b3ef09467d8b353f35656e1952f6e24f3a\r\nmaster_replid2:0000000000000000000000000000000000000000\r\n";

        Assert.Equal(new MasterIdentity("1ef5a8b3ef09467d", "0000000000000000"), RedisShard.ParseMasterId(info));
    }

    [Fact]
    public void APromotedMasterNamesTheReplicationIdItFollowedBefore()
    {
        const string info = "# Replication\r\nrole:master\r\nmaster_replid:9c1e7f0d2b3a4c5d6e7f8091a2b3c4d5e6f70819\r\nmaster_replid2:1ef5a8b3ef09467d8b353f35656e1952f6e24f3a\r\nsecond_repl_offset:4242\r\n";

        Assert.Equal(new MasterIdentity("9c1e7f0d2b3a4c5d", "1ef5a8b3ef09467d"), RedisShard.ParseMasterId(info));
    }

    [Fact]
    public void ReplicaHasNoMasterId()
    {
        const string info = "# Replication\r\nrole:slave\r\nmaster_host:127.0.0.1\r\nmaster_replid:1ef5a8b3ef09467d8b353f35656e1952f6e24f3a\r\n";

        Assert.Equal(MasterIdentity.Unknown, RedisShard.ParseMasterId(info));
    }
}
