using HashtagBench.Cli.Run;
using HashtagBench.Contracts;
using HashtagBench.Load.Engine;

namespace HashtagBench.Cli.Tests;

/// <summary>The run report's load table: ok rps, all-outcome p99, the injector's lateness, harness-limited and interrupted runs.</summary>
public sealed class LoadOutcomeSummaryTests
{
    private static readonly Dictionary<string, long> NoErrors = [];
    private static readonly Dictionary<string, string> NoSamples = [];

    [Fact]
    public void The_load_table_shows_served_rate_all_outcome_p99_lateness_and_the_flags()
    {
        string dir = Directory.CreateTempSubdirectory("outcome-summaries").FullName;
        try
        {
            var ok = new Percentiles(600, 1.5, 2, 3, 4.25, 6, 9, 1.7);
            var all = new Percentiles(1200, 2, 3, 1500, 2500, 3000, 4000, 900);
            var lateness = new Percentiles(1200, 0.05, 0.1, 0.2, 0.35, 0.5, 1, 0.06);
            var run = new RunSummary("event", DateTime.UtcNow, 2, 600, 600, 600, 600, ok, all, NoErrors, NoSamples, [], [], RunSummary.CancelledReason)
            {
                All = all, Lateness = lateness, InjectorCpu = 0.01,
            };
            var findings = new ScenarioFindings();
            RunOutput.Write(dir, RunOutput.Summarise("failover", [run], findings), [run], findings);

            string table = string.Join("\n", StepSummaries.Load(dir));
            // run | rps (driven) | p50 | p99 (ok) | fail% | ok rps | p99 all | lateness p99 | harness-limited | stopped
            Assert.Contains("| event | 600 | 1.50 | 4.25 | 50 | 300 | 2500.00 | 0.350 | **yes** | **interrupted** |", table);
            Assert.Contains("**interrupted**: `event`", table);
            // Harness-limited is the table's column (above), no longer a banner of its own.
            Assert.DoesNotContain("**harness-limited**: `event`", table);
            LoadSummary back = ResultFiles.Read(Path.Combine(dir, ResultFiles.Summary), ResultFiles.LoadSummaryType);
            Assert.False(back.ThresholdsPassed);
            Assert.True(back.Runs[0].Interrupted);
            Assert.Equal(2500, back.Runs[0].All!.P99);
            Assert.Equal(300, back.Runs[0].OkRps);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void The_run_summary_takes_the_p99_apart_and_says_what_dominates()
    {
        string dir = Directory.CreateTempSubdirectory("decomposition-summaries").FullName;
        try
        {
            var ok = new Percentiles(800, 0.40, 0.5, 1, 1.70, 2, 3, 0.5);
            var fromSend = new Percentiles(800, 0.30, 0.35, 0.4, 0.50, 0.6, 1, 0.3);
            var lateness = new Percentiles(800, 0.02, 0.03, 0.5, 1.10, 1.2, 1.5, 0.1);
            var run = new RunSummary("event", DateTime.UtcNow, 2, 400, 800, 0, 400, ok, Percentiles.Empty, NoErrors, NoSamples, [], [], "completed")
            {
                All = ok, Lateness = lateness, FromSend = fromSend, ServerMsPerCall = 0.05,
                Server = [new ServerCommandTime("evalsha", 1000, 50_000, ["127.0.0.1:7000"])],
            };
            var findings = new ScenarioFindings();
            RunOutput.Write(dir, RunOutput.Summarise("strategies", [run], findings), [run], findings);

            string summary = string.Join("\n", StepSummaries.Load(dir));
            // Redis ms/call | from send p50, p99 | from intended p50, p99 | lateness p50, p99 | dominant
            Assert.Contains("| event | 0.050 | 0.300 | 0.500 | 0.400 | 1.700 | 0.020 | 1.100 | queueing |", summary);
            Assert.Contains("`event`: p99 1.700 ms is mostly queueing", summary);
            // The load step's own report carries the same section, and summary.json the typed records.
            Assert.Contains("Latency decomposition", File.ReadAllText(Path.Combine(dir, "report.md")));
            LoadRun back = ResultFiles.Read(Path.Combine(dir, ResultFiles.Summary), ResultFiles.LoadSummaryType).Runs[0];
            Assert.Equal(50.0, Assert.Single(back.Server!).MicrosPerCall);
            Assert.Equal(0.30, back.FromSend!.P50);
            Assert.Equal("queueing", back.Decomposition!.Dominant);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void An_older_summary_without_the_new_fields_still_reads_as_n_a()
    {
        var old = new LoadRun("event", DateTime.UtcNow, 2, 300, 600, 0, 300, 0, null, null, NoErrors, NoSamples, [], "completed", []);
        string table = string.Join("\n", StepSummaries.Load(new LoadSummary("x", [old], true, true, new LoadFindings())));
        Assert.Contains("| event | 300 | n/a | n/a | 0 | 0 | n/a | n/a | no | completed |", table);
    }
}

/// <summary>--fault-at outside the measured run is bad input, refused before anything runs.</summary>
[Collection(ClusterCollection.Name)] // serial: swaps Console.Error
public sealed class FaultAtInputTests
{
    [Theory]
    [InlineData("12", "3")] // used to report "at 12s of 3s" and exit 0
    [InlineData("0", "15")]
    public async Task Fault_at_outside_the_run_exits_2_with_one_line(string faultAt, string duration)
    {
        var (code, error) = await CliRun.InvokeAsync(["load", "run", "failover", "--fault-at", faultAt, "--duration", duration]);
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.StartsWith("error: --fault-at must lie inside the measured run", error);
        Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }
}
