using HashtagBench.Contracts;
using HashtagBench.Load.Engine;
using HashtagBench.Load.Scenarios;
using HdrHistogram;
using System.Globalization;

namespace HashtagBench.Load.Agents;

/// <summary>One run's exact merge: the engine summary (thresholds judged on it) and the merged histograms, for the merged log.</summary>
public sealed record MergedRun(RunSummary Summary, HistogramBase Ok, HistogramBase Fail, HistogramBase Lateness);

/// <summary>What a merge of agents produced.</summary>
public sealed record AgentMergeResult(LoadSummary Summary, IReadOnlyList<MergedRun> Runs, string ReportPath)
{
    public bool Passed => Summary.ChecksPassed && Summary.ThresholdsPassed;
}

/// <summary>
/// Combines the result folders of load agents into one result, exactly: each run's histograms are the sum of the
/// agents' interval histograms (from their HdrHistogram logs, not their percentiles), each second of the timeline
/// is the agents' same second summed, audits are joined, and the thresholds are judged again on the merged run.
/// Refuses agents of different runs, a slice given twice and a missing slice, naming which.
/// </summary>
public static class AgentMerge
{
    public static AgentResult Read(string dir)
    {
        if (!Directory.Exists(dir)) throw new DirectoryNotFoundException($"{dir} is not a folder.");
        string path = Path.Combine(dir, ResultFiles.Summary);
        if (!File.Exists(path)) throw new FileNotFoundException($"{dir} has no {ResultFiles.Summary}: not a load result folder.", path);
        LoadSummary s;
        try { s = ResultFiles.Read(path, ResultFiles.LoadSummaryType); }
        catch (System.Text.Json.JsonException ex) { throw new FormatException($"{path} is not a load summary ({ex.Message.Split('\n')[0]})."); }
        if (s.Agent is null) throw new ArgumentException($"{dir} is not a load agent's result: its {ResultFiles.Summary} records no --agent slice.");
        return new AgentResult(dir, s, s.Agent);
    }

    /// <summary>The agents in index order, once each checked to be one whole run: same run ID, scenario and N; every slice 0..N-1 exactly once.</summary>
    public static IReadOnlyList<AgentResult> CheckSlices(IReadOnlyList<AgentResult> agents)
    {
        if (agents.Count == 0) throw new ArgumentException("No agent result folder given.");
        AgentResult first = agents[0];
        foreach (AgentResult a in agents.Skip(1))
        {
            if (a.Slice.RunId != first.Slice.RunId)
                throw new ArgumentException($"mismatched run IDs: {first.Dir} is run {first.Slice.RunId}, {a.Dir} is run {a.Slice.RunId}.");
            if (a.Summary.Scenario != first.Summary.Scenario)
                throw new ArgumentException($"mismatched scenarios in run {first.Slice.RunId}: {first.Dir} ran {first.Summary.Scenario}, {a.Dir} ran {a.Summary.Scenario}.");
            if (a.Slice.Count != first.Slice.Count)
                throw new ArgumentException($"mismatched agent counts in run {first.Slice.RunId}: {first.Dir} is {first.Slice.Label}, {a.Dir} is {a.Slice.Label}.");
        }
        foreach (var twice in agents.GroupBy(a => a.Slice.Index).Where(g => g.Count() > 1))
            throw new ArgumentException($"overlapping slices: agent {twice.First().Slice.Label} of run {first.Slice.RunId} is given twice ({string.Join(", ", twice.Select(a => a.Dir))}); its calls would count twice.");
        var missing = Enumerable.Range(0, first.Slice.Count).Except(agents.Select(a => a.Slice.Index)).ToList();
        if (missing.Count > 0)
            throw new ArgumentException($"missing agent(s) {string.Join(", ", missing.Select(i => $"{i}/{first.Slice.Count}"))} of run {first.Slice.RunId}: the merge needs all {first.Slice.Count} slices.");
        return agents.OrderBy(a => a.Slice.Index).ToList();
    }

    /// <summary>Reads, checks, merges and writes the merged result (summary.json, timeline.csv, report.md, charts, one .hlog per run) into <paramref name="outDir"/>.</summary>
    public static AgentMergeResult MergeAndWrite(IEnumerable<string> dirs, string outDir, IReadOnlyList<Threshold>? thresholds = null)
    {
        IReadOnlyList<AgentResult> agents = CheckSlices(dirs.Select(Read).ToList());
        var runs = new List<MergedRun>();
        foreach (string name in agents[0].Summary.Runs.Select(r => r.Name))
            runs.Add(MergeRun(name, agents, thresholds));
        (ScenarioFindings findings, AgentMergeFindings merged) = MergeFindings(agents);
        findings.Reports.Add(merged);
        string scenario = agents[0].Summary.Scenario;
        LoadSummary summary = RunOutput.Summarise(scenario, runs.Select(r => r.Summary).ToList(), findings) with { MergedAgents = agents.Select(a => a.Slice).ToList() };
        string report = RunOutput.Write(outDir, summary, runs.Select(r => r.Summary).ToList(), findings);
        foreach (MergedRun r in runs)
        {
            using FileStream fs = File.Create(Path.Combine(outDir, LoadContext.HistogramLogName(r.Summary.Scenario)));
            using var writer = new HistogramLogWriter(fs);
            var tagged = new List<HistogramBase>();
            foreach (var (tag, h) in new[] { (HistogramLogs.OkTag, r.Ok), (HistogramLogs.FailTag, r.Fail), (HistogramLogs.LatenessTag, r.Lateness) })
            {
                if (h.TotalCount == 0) continue;
                h.Tag = tag;
                tagged.Add(h);
            }
            writer.Write(r.Summary.StartedUtc, [.. tagged]);
        }
        return new AgentMergeResult(summary, runs, report);
    }

    /// <summary>
    /// One run of every agent merged. The i-th interval of each agent is the same second (they started at the same
    /// instant); its latency comes from the agents' i-th interval histograms added, never from their percentiles.
    /// </summary>
    public static MergedRun MergeRun(string name, IReadOnlyList<AgentResult> agents, IReadOnlyList<Threshold>? thresholds = null)
    {
        var perAgent = new List<(AgentResult Agent, LoadRun Run, AgentIntervals Intervals)>();
        foreach (AgentResult a in agents)
        {
            LoadRun run = a.Summary.Runs.FirstOrDefault(r => r.Name == name)
                ?? throw new ArgumentException($"agent {a.Slice.Label} ({a.Dir}) has no run '{name}': the agents did not run the same scenario.");
            perAgent.Add((a, run, AgentIntervals.Read(a, run)));
        }
        HistogramBase ok = NewHistogram(), fail = NewHistogram(), lateness = NewHistogram();
        var timeline = new List<IntervalStats>();
        int seconds = perAgent.Max(p => p.Run.Timeline.Count);
        for (int i = 0; i < seconds; i++)
        {
            HistogramBase sOk = NewHistogram(), sFail = NewHistogram();
            double second = 0, length = 0, rps = 0;
            long okN = 0, failN = 0;
            var errors = new Dictionary<string, long>();
            foreach (var (_, run, intervals) in perAgent.Where(p => i < p.Run.Timeline.Count))
            {
                LoadInterval t = run.Timeline[i];
                second = Math.Max(second, t.Second);
                length = Math.Max(length, t.Length);
                rps += t.Rps;
                okN += t.Ok;
                failN += t.Fail;
                foreach (var (kind, n) in t.ErrorsByKind) errors[kind] = errors.GetValueOrDefault(kind) + n;
                if (intervals.Ok[i] is { } o) sOk.Add(o);
                if (intervals.Fail[i] is { } f) sFail.Add(f);
            }
            ok.Add(sOk);
            fail.Add(sFail);
            HistogramBase all = sOk.Copy();
            all.Add(sFail);
            timeline.Add(new IntervalStats(second, length, okN, failN, rps, Percentiles.From(sOk), errors) { AllLatency = Percentiles.From(all) });
        }
        foreach (var p in perAgent) lateness.Add(p.Intervals.Lateness);
        HistogramBase everything = ok.Copy();
        everything.Add(fail);

        double measured = perAgent.Max(p => p.Run.Seconds);
        var errorsByKind = perAgent.SelectMany(p => p.Run.ErrorsByKind).GroupBy(e => e.Key).ToDictionary(g => g.Key, g => g.Sum(e => e.Value));
        var samples = new Dictionary<string, string>();
        foreach (var (kind, message) in perAgent.SelectMany(p => p.Run.ErrorSamples)) samples.TryAdd(kind, message);
        var raw = new RunSummary(name, perAgent.Min(p => p.Run.StartedUtc), measured, perAgent.Sum(p => p.Run.TargetRps ?? 0),
            ok.TotalCount, fail.TotalCount, (ok.TotalCount + fail.TotalCount) / Math.Max(measured, 1e-9),
            Percentiles.From(ok), Percentiles.From(fail), errorsByKind, samples, timeline, [], StopReason(perAgent.Select(p => (p.Agent.Slice, p.Run))))
        {
            All = Percentiles.From(everything),
            Lateness = Percentiles.From(lateness),
            // CPU seconds per second summed over the agents' injector threads (each on its own machine).
            InjectorCpu = perAgent.All(p => p.Run.InjectorCpu is not null) ? perAgent.Sum(p => p.Run.InjectorCpu!.Value) : null,
            Injector = string.Join("; ", perAgent.Select(p => p.Run.Injector ?? "unknown").Distinct()),
            // Each agent accounted for its own slice of the one schedule: together, every arrival of it.
            Arrivals = ArrivalCounts.Sum(perAgent.Select(p => p.Run.Arrivals)),
        };
        // The agents' own rules, judged again on the merged run (an agent's "rps >= 0.9*target" was about its share).
        IReadOnlyList<Threshold> rules = thresholds ?? perAgent.SelectMany(p => p.Run.Thresholds).Select(t => t.Threshold)
            .Where(t => t != RunSummary.MeasuredNothingCheck).Distinct().Select(Threshold.Parse).ToList();
        return new MergedRun(LoadRunner.Judge(raw, rules), ok, fail, lateness);
    }

    /// <summary>"completed" when every agent completed; "cancelled" when any was (so the merge never passes); else the first other reason, naming its agent.</summary>
    private static string StopReason(IEnumerable<(AgentSlice Slice, LoadRun Run)> runs)
    {
        var list = runs.ToList();
        if (list.Any(r => r.Run.Interrupted || r.Run.StopReason == RunSummary.CancelledReason)) return RunSummary.CancelledReason;
        var other = list.FirstOrDefault(r => r.Run.StopReason != "completed");
        return other.Run is null ? "completed" : $"agent {other.Slice.Label}: {other.Run.StopReason}";
    }

    private static (ScenarioFindings Findings, AgentMergeFindings Report) MergeFindings(IReadOnlyList<AgentResult> agents)
    {
        var f = new ScenarioFindings { ChecksPassed = agents.All(a => a.Summary.ChecksPassed) };
        var data = new LoadFindings();
        var audits = agents.Select(a => a.Summary.Findings.Duplicates).ToList();
        StreamAuditResult? joined = null;
        if (audits.All(d => d is not null))
        {
            joined = AuditJoin.Join(audits.Select(d => d!.Audit).ToList());
            double? share = null;
            // The retried share joined: weighted by each agent's attempts.
            int attempts = audits.Sum(d => d!.Audit.Attempts);
            if (audits.All(d => d!.RetriedShare is not null) && attempts > 0)
                share = audits.Sum(d => d!.RetriedShare!.Value * d.Audit.Attempts) / attempts;
            data = data with { Duplicates = new DuplicatesFinding(share, audits[0]!.AskedShare, joined) };
        }
        var incidents = agents.Select(a => a.Summary.Findings.Incidents).ToList();
        if (incidents.All(i => i is not null))
            data = data with
            {
                Incidents = incidents.SelectMany(i => i!).GroupBy(i => i.Strategy).Select(g => new Incident(g.Key, g.Sum(i => i.Spanning),
                    g.Sum(i => i.SpanningCrossSlot), g.Sum(i => i.SharedSlot), g.Sum(i => i.SharedSlotOk), g.All(i => i.Reproduced))).ToList(),
            };
        f.Data = data;
        bool perShardSeen = agents.Any(a => a.Summary.Findings.PerShard is not null || a.Summary.Findings.HotEvent is not null);
        return (f, new AgentMergeFindings(agents, joined, perShardSeen));
    }

    private static HistogramBase NewHistogram() => new LongHistogram(Stats.HighestMicros, 3);

    /// <summary>An agent run's interval histograms from its log, lined up with its timeline (the log holds only non-empty ones).</summary>
    private sealed record AgentIntervals(HistogramBase?[] Ok, HistogramBase?[] Fail, HistogramBase Lateness)
    {
        public static AgentIntervals Read(AgentResult agent, LoadRun run)
        {
            string path = Path.Combine(agent.Dir, LoadContext.HistogramLogName(run.Name));
            if (!File.Exists(path)) throw new FileNotFoundException($"agent {agent.Slice.Label}: {path} is missing: its histograms cannot be merged exactly.", path);
            var oks = new Queue<HistogramBase>();
            var fails = new Queue<HistogramBase>();
            HistogramBase lateness = NewHistogram();
            using (FileStream fs = File.OpenRead(path))
            using (var reader = new HistogramLogReader(fs))
            {
                try
                {
                    foreach (HistogramBase h in reader.ReadHistograms())
                    {
                        if (h.Tag == HistogramLogs.OkTag) oks.Enqueue(h);
                        else if (h.Tag == HistogramLogs.FailTag) fails.Enqueue(h);
                        else if (h.Tag == HistogramLogs.LatenessTag) lateness.Add(h);
                        else throw new FormatException($"{path} holds a histogram tagged '{h.Tag}': only {HistogramLogs.OkTag}, {HistogramLogs.FailTag} and {HistogramLogs.LatenessTag} can be merged.");
                    }
                }
                catch (Exception ex) when (ex is ArgumentException or IndexOutOfRangeException or InvalidOperationException)
                {
                    throw new FormatException($"{path} is not a readable HdrHistogram log ({ex.Message}).", ex);
                }
            }
            var ok = new HistogramBase?[run.Timeline.Count];
            var fail = new HistogramBase?[run.Timeline.Count];
            for (int i = 0; i < run.Timeline.Count; i++)
            {
                LoadInterval t = run.Timeline[i];
                if (t.Ok > 0) ok[i] = Take(oks, t.Ok, i, "ok");
                if (t.Fail > 0) fail[i] = Take(fails, t.Fail, i, "fail");
            }
            if (oks.Count + fails.Count > 0) throw Disagree($"{oks.Count + fails.Count} histogram(s) more than its timeline has intervals for");
            return new AgentIntervals(ok, fail, lateness);

            HistogramBase Take(Queue<HistogramBase> q, long expected, int i, string kind)
            {
                if (!q.TryDequeue(out HistogramBase? h)) throw Disagree($"no {kind} histogram for interval {i + 1}");
                if (h.TotalCount != expected) throw Disagree(string.Create(CultureInfo.InvariantCulture, $"interval {i + 1} has {h.TotalCount} {kind} calls in the log, {expected} in the summary"));
                return h;
            }
            FormatException Disagree(string what) => new($"agent {agent.Slice.Label}: {path} and its {ResultFiles.Summary} disagree ({what}): were they written by the same run?");
        }
    }
}
