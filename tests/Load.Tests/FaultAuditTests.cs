using HashtagBench.Contracts;
using HashtagBench.Enqueue;
using HashtagBench.Keys;
using HashtagBench.Load.Scenarios;
using HashtagBench.Provisioning;
using HashtagBench.Reporting.Scenarios;
using HashtagBench.TestSupport;
using StackExchange.Redis;
using Xunit.Abstractions;

namespace HashtagBench.Load.Tests;

/// <summary>The stream audit against data whose damage is known, and the lagged-kill fault on a cluster of its own.</summary>
[Collection(LoadClusterCollection.Name)]
public sealed class FaultAuditTests(ClusterFixture fx, ITestOutputHelper output)
{
    private static JoinRecord Rec(string evt, string key, JoinResult r, int attempt = 0) => new(evt, "u1", key, r, Attempt: attempt);

    [Fact]
    public async Task Audit_reports_exactly_one_lost_and_one_doubled_from_manipulated_streams()
    {
        string evt = $"audit-{Guid.NewGuid():N}";
        string stream = KeyStrategy.EventTag.Keys(evt, "u1", "k").StreamKey;
        IDatabase db = fx.Mux.GetDatabase();
        // Key A: acknowledged, and its entry deleted afterwards (lost).
        // Key B: attempt 0 timed out but was applied (entry written), attempt 1 acknowledged (entry written): doubled.
        // Key C: acknowledged once, entry present: clean.
        var records = new List<JoinRecord>
        {
            Rec(evt, "A", new JoinResult.Enqueued("1-1", "tA")),
            Rec(evt, "B", new JoinResult.Failed(FailureKind.Timeout, "timeout", "tB0")),
            Rec(evt, "B", new JoinResult.Enqueued("1-2", "tB1"), attempt: 1),
            Rec(evt, "C", new JoinResult.Enqueued("1-3", "tC")),
        };
        RedisValue idA = await db.StreamAddAsync(stream, "token", "tA");
        await db.StreamAddAsync(stream, "token", "tB0");
        await db.StreamAddAsync(stream, "token", "tB1");
        await db.StreamAddAsync(stream, "token", "tC");
        Assert.Equal(1, await db.StreamDeleteAsync(stream, [idA]));

        StreamAuditResult a = await StreamAudit.RunAsync(fx.Mux, KeyStrategy.EventTag, records);
        Assert.Equal(1, a.Lost);
        Assert.Equal(1, a.DoubledKeys);
        Assert.Equal(1, a.DoubledEntries);
        Assert.Equal(1, a.Unacknowledged); // tB0: applied, never acknowledged
        Assert.Equal(0, a.Unattributed);
        Assert.Equal(1, a.AcknowledgedKeysWithoutEntry);
        Assert.Equal(3, a.IdempotencyKeys);
        Assert.False(a.Passed);
    }

    [Fact]
    public void Audit_counts_a_duplicate_answer_without_entry_and_a_re_enqueued_key()
    {
        var records = new List<JoinRecord>
        {
            // Applied, answered NotReplicated; the retry is answered Duplicate by the same primary, which then died with it.
            Rec("e", "D", new JoinResult.Failed(FailureKind.NotReplicated, "no replica", "tD0")),
            Rec("e", "D", JoinResult.DuplicateResult, attempt: 1),
            // Applied on the old primary (lost with it), retried on the promoted one: applied twice, one entry left.
            Rec("e", "R", new JoinResult.Failed(FailureKind.NotReplicated, "no replica", "tR0")),
            Rec("e", "R", new JoinResult.Enqueued("2-1", "tR1"), attempt: 1),
        };
        StreamAuditResult a = StreamAudit.Audit(records, ["tR1"], 1);
        Assert.Equal(0, a.Lost);
        Assert.Equal(0, a.DoubledKeys);
        Assert.Equal(1, a.AcknowledgedKeysWithoutEntry);
        Assert.Equal(1, a.ReEnqueuedKeys);
        Assert.Null(a.DedupeWithoutEntry); // the dedupe keys were not read: n/a, not 0

        // R's dedupe key and entry agree; D has neither. Then a damaged cluster: D's dedupe key without entry, R's entry without one.
        StreamAuditResult agree = StreamAudit.Audit(records, ["tR1"], 1, new HashSet<string> { "R" });
        Assert.Equal((0, 0), (agree.DedupeWithoutEntry, agree.EntryWithoutDedupe));
        StreamAuditResult disagree = StreamAudit.Audit(records, ["tR1"], 1, new HashSet<string> { "D" });
        Assert.Equal((1, 1), (disagree.DedupeWithoutEntry, disagree.EntryWithoutDedupe));
    }

    [Fact]
    public void Retry_policy_backs_off_within_bounds_and_skips_client_side_refusals()
    {
        // By default 1 s, 2 s, 4 s, 8 s, 8 s: two retries span 3 s after a failure, past a 3-5 s failover's start.
        RetryPolicy p = RetryPolicy.Of(2);
        Assert.Equal(TimeSpan.FromSeconds(1), p.Delay(1));
        Assert.Equal(TimeSpan.FromSeconds(2), p.Delay(2));
        Assert.Equal(TimeSpan.FromSeconds(4), p.Delay(3));
        Assert.Equal(TimeSpan.FromSeconds(8), p.Delay(50));
        RetryPolicy slow = RetryPolicy.Of(2, TimeSpan.FromSeconds(3));
        Assert.Equal(TimeSpan.FromSeconds(6), slow.Delay(2));
        Assert.Equal(TimeSpan.FromSeconds(8), slow.Delay(3));
        Assert.Equal(TimeSpan.FromSeconds(10), RetryPolicy.Of(1, TimeSpan.FromSeconds(10)).Delay(5)); // a longer first backoff is its own cap
        Assert.True(RetryPolicy.Retryable(new JoinResult.Failed(FailureKind.Timeout, "", "t")));
        Assert.True(RetryPolicy.Retryable(new JoinResult.Failed(FailureKind.NotReplicated, "", "t")));
        Assert.False(RetryPolicy.Retryable(new JoinResult.Failed(FailureKind.CrossSlotGuard, "")));
        Assert.False(RetryPolicy.Retryable(JoinResult.DuplicateResult));
    }

    [Fact]
    public void Fault_options_are_validated()
    {
        var load = new LoadOptions();
        Assert.Throws<ArgumentOutOfRangeException>(() => new FailoverOptions { Retry = -1 }.Validate(load));
        Assert.Throws<ArgumentOutOfRangeException>(() => new FailoverOptions { RequireReplicas = -1 }.Validate(load));
        Assert.Throws<ArgumentOutOfRangeException>(() => new FailoverOptions { MaxLost = -1 }.Validate(load));
        Assert.Throws<ArgumentOutOfRangeException>(() => new FailoverOptions { RetryBackoff = TimeSpan.Zero }.Validate(load));
        Assert.Throws<ArgumentException>(() => new FailoverOptions { FaultCommand = "  " }.Validate(load));
        new FailoverOptions { Retry = 2, RequireReplicas = 1, MaxLost = 0 }.Validate(load);
    }

    [Fact]
    public async Task Lagged_kill_loses_acknowledged_joins_the_offsets_predicted_and_max_lost_0_fails_the_run()
    {
        // Destructive: a cluster of its own, not the shared fixture.
        await using RunningCluster cluster = await ClusterProvisioner.StartAsync(ProviderKind.Local);
        await using var mux = await cluster.ConnectAsync();
        var o = new LoadOptions
        {
            Rate = 500, Duration = TimeSpan.FromSeconds(9), WarmUp = TimeSpan.FromSeconds(0.5), Quick = true,
            OutputDir = Path.Combine(Path.GetTempPath(), "hashtag-bench-tests", $"lagged-{Guid.NewGuid():N}"),
        };
        var lagged = new FailoverOptions { Fault = FaultAction.LaggedKill, FaultAt = TimeSpan.FromSeconds(2), MaxLost = 0 }; // --retry left at the failover default (2)
        ScenarioOutcome outcome = await FailoverScenario.RunAsync(new LoadContext(cluster, mux, o), lagged, CancellationToken.None);

        FailoverRow row = Assert.Single(outcome.Findings.Data.Failover!);
        string report = string.Join("\n", ScenarioReport.Render(outcome.Report));
        Assert.Equal(nameof(FaultAction.LaggedKill), row.Fault);
        Assert.True(row.Healed, report);
        Assert.True(row.Audit.Acknowledged > 1000, report);
        // The replica was cut off for 2 s while the primary acknowledged joins: those joins are gone.
        Assert.True(row.Audit.Lost > 0, report);
        Assert.True(row.LagBytes > 0, report);
        Assert.True(row.AcknowledgedInLagWindow > 0, report);
        // Every lost join was acknowledged by the killed shard inside the lag window (give or take the in-flight edge).
        Assert.True(row.Audit.Lost <= row.AcknowledgedInLagWindow + 50, report);
        Assert.True(row.PredictedLostJoins > 0, report);
        // The fault fired when asked (fault task started after warm-up + fault-at), within generous slack.
        Assert.InRange(row.FaultAtSeconds, 1.5, 6);
        // The primary is killed 2 s after the fault starts and its replica needs the 3 s node timeout to take over:
        // healing cannot be faster than that (slowness only makes it later), and joins failed after the kill.
        Assert.True(row.HealSeconds >= 4, $"healed after {row.HealSeconds} s");
        Assert.True(row.LastFailingSentAfterFaultSeconds >= 2, $"last failing join sent {row.LastFailingSentAfterFaultSeconds} s after the fault");
        // Retries (1 s, then 2 s later) outlive the failover: joins that failed at the kill were re-sent and the promoted
        // primary took them. No key is doubled: the entry and the dedupe key are written by one script in one slot and
        // replicated together, so an attempt lost with the old primary takes its dedupe key with it and the retry's
        // entry is the only one.
        Assert.Equal(FailoverScenario.DefaultRetry, row.RetryCount);
        Assert.True(row.RetriesSent > 0, report);
        Assert.True(row.RetriesEnqueuedAfterPromotion > 0, report);
        Assert.Equal(0, row.Audit.DoubledKeys);
        // The invariant behind it, read back from the cluster: every idempotency key has its dedupe key iff it has an entry.
        Assert.Equal(0, row.Audit.DedupeWithoutEntry);
        Assert.Equal(0, row.Audit.EntryWithoutDedupe);
        Assert.Contains("keys whose dedupe key and entry disagree: 0", report);
        Assert.Equal(1, row.SlotOwnerChanges);
        Assert.NotEqual(row.FormerPrimary, row.PromotedTo);
        // --max-lost 0 fails the checks, and says so.
        Assert.False(outcome.Findings.ChecksPassed);
        Assert.Contains("--max-lost 0 exceeded", report);
        Assert.All(cluster.LocalNodes, n => Assert.True(n.IsRunning));

        // The same fault with --require-replicas 1: joins the frozen replica never acknowledged are answered NotReplicated
        // (a 503) although the script ran; their retries run it again. Those keys are re-enqueued, never doubled: each
        // lost attempt took its dedupe key with it, and the invariant holds on the cluster after the second failover too.
        ScenarioOutcome strict = await FailoverScenario.RunAsync(new LoadContext(cluster, mux, o with
        {
            OutputDir = Path.Combine(Path.GetTempPath(), "hashtag-bench-tests", $"lagged-strict-{Guid.NewGuid():N}"),
        }), lagged with { MaxLost = null, RequireReplicas = 1 }, CancellationToken.None);
        FailoverRow s = Assert.Single(strict.Findings.Data.Failover!);
        string strictReport = string.Join("\n", ScenarioReport.Render(strict.Report));
        Assert.True(s.Healed, strictReport);
        Assert.True(s.RetriesSent > 0, strictReport);
        Assert.True(s.Audit.ReEnqueuedKeys > 0, strictReport);
        Assert.Equal(0, s.Audit.DoubledKeys);
        Assert.Equal(0, s.Audit.Lost); // acknowledged only once a replica had it
        Assert.Equal(0, s.Audit.DedupeWithoutEntry);
        Assert.Equal(0, s.Audit.EntryWithoutDedupe);
        foreach (FailoverRow x in new[] { row, s })
            output.WriteLine($"lagged-kill WAIT {x.Wait}: acknowledged {x.Audit.Acknowledged}, lost {x.Audit.Lost}, retries {x.RetriesSent}, doubled {x.Audit.DoubledKeys}, re-enqueued {x.Audit.ReEnqueuedKeys}, dedupe/entry mismatches {x.Audit.DedupeWithoutEntry}/{x.Audit.EntryWithoutDedupe}");
        Assert.All(cluster.LocalNodes, n => Assert.True(n.IsRunning));
    }
}
