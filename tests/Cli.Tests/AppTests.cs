using HashtagBench.TestSupport;

namespace HashtagBench.Cli.Tests;

/// <summary>The one executable: every verb listed, one exit-code convention, no secret echoed.</summary>
[Collection(ClusterCollection.Name)] // serial with the other tests that swap Console
public sealed class AppTests
{
    [Fact]
    public async Task Help_lists_every_verb()
    {
        var (code, output, _) = await CliRun.InvokeWithOutputAsync(["--help"]);
        Assert.Equal(0, code);
        foreach (string verb in new[] { "keyslot", "sim", "load", "bench", "run" })
            Assert.Contains($"  {verb}", output);
        var (loadCode, loadHelp, _) = await CliRun.InvokeWithOutputAsync(["load", "--help"]);
        Assert.Equal(0, loadCode);
        foreach (string verb in new[] { "run", "merge", "list", "overhead" })
            Assert.Contains($"  {verb}", loadHelp);
    }

    [Theory]
    [InlineData("run", "--warp-speed")]
    [InlineData("load", "run", "strategies", "--rate")]
    [InlineData("sim", "--events", "many")]
    [InlineData("teleport")]
    public async Task Parse_errors_exit_2_with_error_lines(params string[] args)
    {
        var (code, error) = await CliRun.InvokeAsync(args);
        Assert.Equal(2, code);
        Assert.StartsWith("error: ", error);
        Assert.DoesNotContain("   at ", error); // no stack trace
    }

    [Fact]
    public async Task A_password_on_the_command_line_is_refused_and_not_echoed()
    {
        var (code, error) = await CliRun.InvokeAsync(["keyslot", "a", "--cluster", "127.0.0.1:1", "--password", "hunter2-secret"]);
        Assert.Equal(2, code);
        Assert.Contains("REDIS_PASSWORD", error);
        Assert.DoesNotContain("hunter2-secret", error);
    }

    [Fact]
    public async Task A_password_inside_the_connection_string_is_used_but_never_printed()
    {
        var (code, output, error) = await CliRun.InvokeWithOutputAsync(["keyslot", "a", "--cluster", "127.0.0.1:1,password=hunter2-secret"]);
        Assert.Equal(2, code);
        Assert.Contains("Cannot connect", error);
        Assert.Contains("127.0.0.1:1", error);
        Assert.DoesNotContain("hunter2-secret", error + output);
    }

    [Fact]
    public async Task A_missing_password_file_is_bad_input()
    {
        var (code, error) = await CliRun.InvokeAsync(["sim", "--cluster", "127.0.0.1:1", "--password-file", "/nonexistent/pw"]);
        Assert.Equal(2, code);
        Assert.Contains("--password-file", error);
    }
}

/// <summary>
/// A client pointed at a standalone server must not run as if it were a cluster (the reference gateway's second
/// incident): every verb that attaches refuses it with one line and exit 2.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class StandaloneEndpointTests
{
    [Theory]
    [InlineData("keyslot", "k")]
    [InlineData("load", "run", "strategies", "--quick")]
    [InlineData("sim", "--joins", "1000", "--seeds", "1")]
    public async Task A_standalone_server_behind_cluster_is_refused_with_exit_2(params string[] verb)
    {
        await using StandaloneServer server = await StandaloneServer.StartAsync();
        var (code, error) = await CliRun.InvokeAsync([.. verb, "--cluster", server.Endpoint]);
        Assert.Equal(2, code);
        Assert.Contains("is not a Redis Cluster", error);
        Assert.Single(error.Trim().Split('\n'));
    }
}
