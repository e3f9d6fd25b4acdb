using HashtagBench.Contracts;
using HashtagBench.Load.Engine;
using HashtagBench.Provisioning;
using HashtagBench.TestSupport;
using HdrHistogram;
using StackExchange.Redis;
using System.Text.RegularExpressions;
using RunnerProcess = HashtagBench.Cli.Tests.RunTeardownTests.RunnerProcess;

namespace HashtagBench.Cli.Tests;

/// <summary>
/// Load agents on one machine: three agent processes share one run against the test cluster (attached to as an
/// external endpoint, as agents attach to ElastiCache), then their folders are merged. One run of the agents is
/// shared by every test here (it is the slow part); it runs beside `stress-ng --cpu 2` where stress-ng is installed,
/// as the CI machine may be loaded (a busy machine is where a call once went missing from the merge).
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed partial class LoadAgentTests(ClusterFixture fx, LoadAgentTests.AgentRun run) : IClassFixture<LoadAgentTests.AgentRun>
{
    private const int Agents = 3;
    private const double Rate = 300, Seconds = 3;

    /// <summary>The three agents' run, started once: their folders, run ID and what each printed.</summary>
    public sealed class AgentRun : IAsyncLifetime
    {
        private readonly List<RunnerProcess> _agents = [];
        public string RunId { get; } = $"rt{Guid.NewGuid():N}"[..12];
        public string Root { get; } = Directory.CreateTempSubdirectory("agents").FullName;
        public string[] Dirs { get; private set; } = [];
        public int[] ExitCodes { get; private set; } = [];
        public string[] Outputs { get; private set; } = [];
        public string Seeds { get; set; } = "";
        /// <summary>stress-ng hogged both cores from before the agents started until the last one exited.</summary>
        public bool Stressed { get; private set; }

        public Task InitializeAsync() => Task.CompletedTask;

        /// <summary>Starts the agents (once) and waits for them; the seeds come from the collection's cluster.</summary>
        public async Task EnsureRanAsync(string seeds)
        {
            if (Dirs.Length > 0) return;
            Seeds = seeds;
            // Bounded by its own timeout too; stopped as soon as the agents are done.
            using StressNg? stress = StressNg.SkipReason is null ? StressNg.Start(cpus: 2, TimeSpan.FromSeconds(120)) : null;
            // A start far enough ahead for three processes to start on a busy 2-core machine; a late one may still join (--max-late-start).
            string startAt = DateTime.UtcNow.AddSeconds(5).ToString("yyyy-MM-ddTHH:mm:ss.fffZ");
            var dirs = Enumerable.Range(0, Agents).Select(i => Path.Combine(Root, $"agent{i}")).ToArray();
            for (int i = 0; i < Agents; i++)
                _agents.Add(RunnerProcess.StartVerb(["load", "run", "duplicates", "--agent", $"{i}/{Agents}", "--start-at", startAt, "--run-id", RunId,
                    "--max-late-start", "60", "--cluster", seeds, "--rate", $"{Rate}", "--duration", $"{Seconds}", "--warmup", "0", "--events", "5",
                    "--users", "1000", "--threshold", "fail% < 50"], dirs[i]));
            ExitCodes = await Task.WhenAll(_agents.Select(a => a.WaitForExitAsync()));
            Stressed = stress is { Running: true };
            Outputs = _agents.Select(a => a.Output).ToArray();
            Dirs = dirs;
        }

        public async Task DisposeAsync()
        {
            foreach (RunnerProcess a in _agents) await a.DisposeAsync();
            try { Directory.Delete(Root, recursive: true); } catch (IOException) { }
        }
    }

    private string Seeds => string.Join(",", fx.Cluster.Seeds.Select(ClusterConnector.Format));

    private async Task<string[]> AgentDirsAsync()
    {
        await run.EnsureRanAsync(Seeds);
        for (int i = 0; i < Agents; i++) Assert.True(run.ExitCodes[i] == 0, $"agent {i} exited {run.ExitCodes[i]}:\n{run.Outputs[i]}");
        return run.Dirs;
    }

    private static LoadSummary Summary(string dir) => ResultFiles.Read(Path.Combine(dir, ResultFiles.Summary), ResultFiles.LoadSummaryType);

    /// <summary>How many arrivals the single-agent schedule has (every k whose arrival time falls inside the phase), or the share of agent <paramref name="agent"/>.</summary>
    private static long ScheduledArrivals(int? agent = null)
    {
        var sim = (InjectSim)LoadSimulation.InjectPerSecond(Rate, TimeSpan.FromSeconds(Seconds));
        long n = 0;
        for (long k = 1; sim.ArrivalTime(k, 0) < Seconds; k++)
            if (agent is not int i || k % Agents == i) n++;
        return n;
    }

    [StressFact]
    public async Task Under_cpu_stress_each_agent_and_the_merge_send_or_drop_every_arrival_of_the_schedule()
    {
        string[] dirs = await AgentDirsAsync();
        Assert.True(run.Stressed, "stress-ng was not hogging the CPUs for the whole run of the agents");
        LoadSummary[] agents = dirs.Select(Summary).ToArray();
        for (int i = 0; i < Agents; i++)
        {
            LoadRun a = agents[i].Runs[0];
            ArrivalCounts arrivals = a.Arrivals!;
            // Each agent: its slice of the schedule, every arrival sent or dropped; every call sent has its outcome.
            Assert.Equal(ScheduledArrivals(i), arrivals.Sent + arrivals.DroppedTotal);
            Assert.Equal(arrivals.Sent, a.OkCount + a.FailCount);
            Assert.Equal(arrivals.Sent, a.Timeline.Sum(t => t.Ok + t.Fail));
            Assert.Contains($"arrivals sent {arrivals.Sent}, dropped {arrivals.DroppedText()}", run.Outputs[i]);
        }

        string merged = Path.Combine(run.Root, "merged-stressed");
        var (code, output, error) = await CliRun.InvokeWithOutputAsync(["load", "merge", .. dirs, "--out", merged]);
        LoadRun m = Assert.Single(Summary(merged).Runs);
        ArrivalCounts all = m.Arrivals!;
        // Together: the single-agent schedule exactly, also on a machine this busy; the merge's exit and console say the same.
        Assert.Equal(ScheduledArrivals(), all.Sent + all.DroppedTotal);
        Assert.Equal(all.Sent, m.OkCount + m.FailCount);
        Assert.Equal(agents.Sum(a => a.Runs[0].Arrivals!.Sent), all.Sent);
        Assert.Contains($"arrivals sent {all.Sent}, dropped {all.DroppedText()}", output);
        Assert.True(code == (all.DroppedTotal == 0 ? ExitCodes.Ok : ExitCodes.Failed), error + output);
    }

    [Fact]
    public async Task Three_agents_merged_send_the_single_agent_schedule_exactly_and_the_merged_p99_is_the_raw_samples()
    {
        string[] dirs = await AgentDirsAsync();
        string merged = Path.Combine(run.Root, "merged");
        var (code, output, error) = await CliRun.InvokeWithOutputAsync(["load", "merge", .. dirs, "--out", merged]);
        Assert.True(code == 0, error + output);

        LoadSummary[] agents = dirs.Select(Summary).ToArray();
        Assert.All(agents, a => Assert.Equal(run.RunId, a.Agent!.RunId));
        Assert.Equal(new[] { 0, 1, 2 }, agents.Select(a => a.Agent!.Index));
        Assert.Single(agents.Select(a => a.Agent!.StartAtUtc).Distinct());

        LoadSummary m = Summary(merged);
        LoadRun r = Assert.Single(m.Runs);
        Assert.Equal(Agents, m.MergedAgents!.Count);
        // Together the agents sent the single-agent schedule: every arrival once, none twice, none dropped.
        Assert.Equal(ScheduledArrivals(), r.OkCount + r.FailCount);
        Assert.Equal((ScheduledArrivals(), 0L), (r.Arrivals!.Sent, r.Arrivals.DroppedTotal));
        Assert.Equal(agents.Sum(a => a.Runs[0].OkCount + a.Runs[0].FailCount), r.OkCount + r.FailCount);
        // Each agent's share is within one arrival of a third.
        Assert.All(agents, a => Assert.InRange(a.Runs[0].OkCount + a.Runs[0].FailCount, ScheduledArrivals() / Agents, ScheduledArrivals() / Agents + 1));
        // Timelines summed per second hold every call.
        Assert.Equal(r.OkCount, r.Timeline.Sum(t => t.Ok));
        Assert.Equal(r.FailCount, r.Timeline.Sum(t => t.Fail));
        // Thresholds judged on the merged run: the agents' own, and the dropped rule they got by default.
        Assert.Equal(["fail% < 50", Threshold.DefaultDropped], r.Thresholds.Select(t => t.Threshold));
        Assert.All(r.Thresholds, t => Assert.True(t.Pass, t.Threshold));

        // The merged p99 is that of every raw sample: the agents' logs added independently here.
        HistogramBase raw = new LongHistogram(Stats.HighestMicros, 3);
        foreach (string dir in dirs) raw.Add(HistogramLogs.Merge([Path.Combine(dir, "duplicates.hlog")]).Ok);
        Assert.Equal(raw.TotalCount, r.OkCount);
        Assert.Equal(raw.GetValueAtPercentile(99) / 1000.0, r.Ok!.P99);
        Assert.Equal(raw.GetValueAtPercentile(99.9) / 1000.0, r.Ok.P999);
        Assert.Equal(raw.GetMaxValue() / 1000.0, r.Ok.Max);
        HistogramBase mergedLog = HistogramLogs.Merge([Path.Combine(merged, "duplicates.hlog")]).Ok;
        Assert.Equal(raw.GetValueAtPercentile(99), mergedLog.GetValueAtPercentile(99));

        // The audits joined: per-key counts add up, and nothing acknowledged was lost or doubled.
        StreamAuditResult audit = m.Findings.Duplicates!.Audit;
        Assert.Equal(agents.Sum(a => a.Findings.Duplicates!.Audit.IdempotencyKeys), audit.IdempotencyKeys);
        Assert.Equal(agents.Sum(a => a.Findings.Duplicates!.Audit.Attempts), audit.Attempts);
        Assert.Equal(0, audit.Lost);
        Assert.Equal(0, audit.DoubledKeys);
        // Every entry found is some agent's, and acknowledged; the agents read disjoint streams (users are disjoint).
        Assert.Equal(0, audit.Unattributed);
        Assert.Equal(0, audit.Unacknowledged);
        Assert.Equal(agents.Sum(a => a.Findings.Duplicates!.Audit.StreamsRead), audit.StreamsRead);
        Assert.Equal(agents.Sum(a => a.Findings.Duplicates!.Audit.Acknowledged), audit.Acknowledged);
        Assert.True(m.ChecksPassed);

        // The merged result is a load result like any other: the gate reads it. Against itself it is never slower; a
        // few seconds a side are too few to judge (an overloaded machine stretches the run over more seconds, which
        // the test then judges "same"), and only --allow-unknown passes an unjudged gate.
        (code, output, error) = await CliRun.InvokeWithOutputAsync(["load", "compare", merged, merged, "--allow-unknown"]);
        Assert.True(code == 0, error + output);
        Assert.DoesNotContain("**higher**", output);
        Assert.EndsWith("load compare: PASS", output.TrimEnd());
        bool unjudged = output.Contains("too few seconds to judge", StringComparison.Ordinal);
        Assert.True(unjudged || output.Contains("| same |", StringComparison.Ordinal), output);
        (code, output, error) = await CliRun.InvokeWithOutputAsync(["load", "compare", merged, merged]);
        Assert.Equal(unjudged ? ExitCodes.Failed : ExitCodes.Ok, code);
        (code, error) = await CliRun.InvokeAsync(["load", "compare", merged, Path.Combine(run.Root, "nowhere")]);
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains("not a load result folder", error);
    }

    [Fact]
    public async Task No_idempotency_key_is_in_two_slices_and_cleanup_removes_every_key_the_agents_left()
    {
        string[] dirs = await AgentDirsAsync();
        // Every dedupe key names its idempotency key, "<run>-a<i>-<guid>"; agents keep the run's keys (they share them).
        var agentsOfKey = new Dictionary<string, HashSet<int>>();
        foreach (IServer s in fx.Primaries())
            await foreach (RedisKey key in s.KeysAsync(pattern: $"dedupe:*{run.RunId}-a*", pageSize: 1000))
            {
                Match idem = Idempotency().Match(key.ToString());
                Assert.True(idem.Success, key.ToString());
                (agentsOfKey.TryGetValue(idem.Value, out var set) ? set : agentsOfKey[idem.Value] = []).Add(int.Parse(idem.Groups["agent"].Value));
            }
        Assert.NotEmpty(agentsOfKey);
        Assert.All(agentsOfKey, kv => Assert.Single(kv.Value));
        Assert.Equal(Enumerable.Range(0, Agents), agentsOfKey.SelectMany(kv => kv.Value).Distinct().Order());
        // As many distinct keys on the cluster as the agents acknowledged between them: no two agents made the same key.
        Assert.Equal(dirs.Select(Summary).Sum(a => a.Findings.Duplicates!.Audit.Acknowledged), agentsOfKey.Count);

        var (code, output, error) = await CliRun.InvokeWithOutputAsync(["load", "cleanup", "--run-id", run.RunId, "--cluster", Seeds]);
        Assert.True(code == 0, error);
        Assert.Contains($"of run {run.RunId}", output);
        foreach (IServer s in fx.Primaries())
            await foreach (RedisKey _ in s.KeysAsync(pattern: $"*{run.RunId}*", pageSize: 1000))
                Assert.Fail("a key of the run survived cleanup");
    }

    [Fact]
    public async Task Cleanup_by_prefix_removes_a_launch_runs_keys_and_nothing_else()
    {
        string prefix = $"hb:{Guid.NewGuid():N}"[..11] + ":";
        IDatabase db = fx.Mux.GetDatabase();
        for (int i = 0; i < 20; i++) await db.StringSetAsync($"{prefix}event:queue:{{evt_{i}}}", "x");
        var (code, output, error) = await CliRun.InvokeWithOutputAsync(["load", "cleanup", "--prefix", prefix, "--cluster", Seeds]);
        Assert.True(code == 0, error);
        Assert.Contains("removed", output);
        foreach (IServer s in fx.Primaries())
            await foreach (RedisKey k in s.KeysAsync(pattern: $"{prefix}*", pageSize: 1000))
                Assert.Fail($"{k} survived cleanup");

        foreach (string[] bad in new[] { new[] { "--prefix", "hb:*" }, ["--prefix", "hb"], ["--prefix", prefix, "--run-id", "r1234"], [] })
        {
            var (badCode, badError) = await CliRun.InvokeAsync(["load", "cleanup", .. bad, "--cluster", Seeds]);
            Assert.Equal(ExitCodes.BadInput, badCode);
            Assert.Single(badError.Trim().Split('\n'));
        }
    }

    [Fact]
    public async Task Merge_refuses_a_missing_slice_a_doubled_slice_and_another_run()
    {
        string[] dirs = await AgentDirsAsync();
        var (code, error) = await CliRun.InvokeAsync(["load", "merge", dirs[0], dirs[1], "--out", Path.Combine(run.Root, "m1")]);
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains("missing agent(s) 2/3", error);

        string copy = Path.Combine(run.Root, "copy-of-1");
        CopyDir(dirs[1], copy);
        (code, error) = await CliRun.InvokeAsync(["load", "merge", dirs[0], dirs[1], copy, dirs[2], "--out", Path.Combine(run.Root, "m2")]);
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains("overlapping slices: agent 1/3", error);
        Assert.Contains(copy, error);

        string other = Path.Combine(run.Root, "other-run");
        CopyDir(dirs[2], other);
        LoadSummary s = Summary(other);
        ResultFiles.Write(Path.Combine(other, ResultFiles.Summary), s with { Agent = s.Agent! with { RunId = "rsomethingelse" } }, ResultFiles.LoadSummaryType);
        (code, error) = await CliRun.InvokeAsync(["load", "merge", dirs[0], dirs[1], other, "--out", Path.Combine(run.Root, "m3")]);
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains("mismatched run IDs", error);
        Assert.Contains("rsomethingelse", error);
        Assert.Single(error.Trim().Split('\n'));
    }

    [Fact]
    public async Task A_start_time_already_past_is_refused_in_one_line()
    {
        var (code, error) = await CliRun.InvokeAsync(["load", "run", "multi-event", "--agent", "0/2", "--start-at", DateTime.UtcNow.AddMinutes(-5).ToString("yyyy-MM-ddTHH:mm:ssZ"),
            "--run-id", "rlate1", "--cluster", Seeds, "--duration", "1", "--out", Path.Combine(run.Root, "late")]);
        Assert.Equal(ExitCodes.BadInput, code);
        // One error line (the provider's "attached to" note comes first), no stack trace.
        Assert.Contains("passed", Assert.Single(error.Split('\n'), l => l.StartsWith("error: ", StringComparison.Ordinal)));
        Assert.DoesNotContain("   at ", error);
    }

    [Theory]
    [InlineData("3/3", "must be below 3")]
    [InlineData("x", "is not i/N")]
    [InlineData("0/2", "'hashtag-bench load run failover' has no option --agent", "failover")] // it injects one fault: no agent options
    [InlineData("0/2", "--agent needs --cluster", "multi-event", false)]
    public async Task Bad_agent_options_are_refused(string agent, string expected, string scenario = "multi-event", bool external = true)
    {
        string[] cluster = external ? ["--cluster", "127.0.0.1:1"] : [];
        var (code, error) = await CliRun.InvokeAsync(["load", "run", scenario, "--agent", agent, "--start-at", "2030-01-01T00:00:00Z", "--run-id", "rbad1", .. cluster]);
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains(expected, error);
    }

    private static void CopyDir(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (string f in Directory.GetFiles(from)) File.Copy(f, Path.Combine(to, Path.GetFileName(f)));
    }

    [GeneratedRegex(@"r[a-z0-9]+-a(?<agent>\d+)-[0-9a-f]{32}")]
    private static partial Regex Idempotency();
}
