namespace HashtagBench.Enqueue.Tests;

/// <summary>Reading a primary's online replicas from INFO replication (the text as redis-server 7 prints it).</summary>
public sealed class ReplicaWatchTests
{
    private const string Primary = "# Replication\r\nrole:master\r\nconnected_slaves:2\r\n" +
        "slave0:ip=127.0.0.1,port=20004,state=online,offset=1234,lag=0\r\n" +
        "slave1:ip=127.0.0.1,port=20005,state=wait_bgsave,offset=0,lag=0\r\n" +
        "master_failover_state:no-failover\r\nmaster_replid:8f1c\r\nslave_read_only:1\r\n";

    [Fact]
    public void Counts_only_replicas_that_are_online() => Assert.Equal(1, ReplicaWatch.CountOnline(Primary));

    [Fact]
    public void A_primary_whose_replica_is_gone_has_none() =>
        Assert.Equal(0, ReplicaWatch.CountOnline("# Replication\nrole:master\nconnected_slaves:0\nmaster_repl_offset:0\n"));

    [Theory]
    [InlineData("# Replication\r\nrole:slave\r\nmaster_host:127.0.0.1\r\nmaster_link_status:up\r\nslave_read_only:1\r\n")]
    [InlineData("")]
    [InlineData(null)]
    public void A_replica_or_an_unreadable_answer_is_unknown(string? info) => Assert.Null(ReplicaWatch.CountOnline(info));
}
