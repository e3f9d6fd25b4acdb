using HashtagBench.Load.Scenarios;
using HashtagBench.Provisioning;
using HashtagBench.TestSupport;
using StackExchange.Redis;
using System.Text.RegularExpressions;

namespace HashtagBench.Cli.Tests;

/// <summary>
/// A cluster someone else runs is left as it was found: every key a load run writes carries the run's prefix and is
/// deleted at the end, unless --keep-data. The test cluster is attached to as an external endpoint, as staging is.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed partial class ExternalCleanupTests(ClusterFixture fx)
{
    private string Seeds => string.Join(",", fx.Cluster.Seeds.Select(ClusterConnector.Format));

    private async Task<long> CountAsync(string prefix)
    {
        long n = 0;
        foreach (IServer s in fx.Primaries())
            await foreach (RedisKey _ in s.KeysAsync(pattern: $"*{prefix}*", pageSize: 1000)) n++;
        return n;
    }

    private async Task<(string Output, string Prefix)> RunAsync(params string[] extra)
    {
        string dir = Directory.CreateTempSubdirectory("cleanup").FullName;
        try
        {
            // duplicates: event-tagged joins and retries; legacy in strategies would add untagged dedupe keys too.
            var (code, output, error) = await CliRun.InvokeWithOutputAsync(["load", "run", "strategies", "--strategies", "event,user,legacy", "--quick",
                "--duration", "1", "--warmup", "0", "--rate", "300", "--no-thresholds", "--cluster", Seeds, "--out", dir, .. extra]);
            Assert.True(code == 0, error + output);
            return (output, Prefix().Match(output).Groups["run"].Value);
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Fact]
    public async Task Every_key_a_run_wrote_to_an_external_cluster_is_removed_at_the_end()
    {
        var (output, prefix) = await RunAsync();
        Match m = Removed().Match(output);
        Assert.True(m.Success, output);
        Assert.True(long.Parse(m.Groups["n"].Value) >= 600, output); // ~300 event + ~300 user joins, two keys each
        Assert.Equal(0, await CountAsync(prefix));
    }

    [Fact]
    public async Task Keep_data_leaves_them_and_they_all_carry_the_run_prefix()
    {
        var (output, prefix) = await RunAsync("--keep-data");
        Assert.Contains($"kept the keys of run {prefix}", output);
        long kept = await CountAsync(prefix);
        Assert.True(kept >= 600, $"{kept} keys kept");
        Assert.Equal(kept, await KeyCleanup.RemoveRunKeysAsync(fx.Mux, prefix));
        Assert.Equal(0, await CountAsync(prefix));
    }

    [GeneratedRegex(@"removed (?<n>\d+) key\(s\) of run (?<run>r\d+)")]
    private static partial Regex Removed();

    [GeneratedRegex(@"of run (?<run>r\d+)")]
    private static partial Regex Prefix();
}
