using HashtagBench.Contracts;
using HashtagBench.Reporting.Scenarios;

namespace HashtagBench.Reporting.Tests.Scenarios;

public class FailoverReportTests
{
    private static StreamAuditResult Audit(int lost) => new(1000, 1000, 990, lost, 0, 0, 0, 20) { DedupeWithoutEntry = 0, EntryWithoutDedupe = 0 };

    private static FailoverRow Row(string wait, int lost = 0) => new(wait, 0, true, "Kill", 4, null, null, 0, new Dictionary<string, long>(),
        12.5, null, 3.25, true, 0, 0, 0, 2, true, Audit(lost));

    private static FailoverFindings Findings(params FailoverRow[] rows) =>
        new("Kill", false, TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(12), TimeSpan.FromMilliseconds(100), null, rows);

    [Fact]
    public void The_fault_and_table_come_first_then_what_the_columns_mean()
    {
        IReadOnlyList<string> sections = FailoverReport.Render(Findings(Row("none")));

        Assert.StartsWith("Fault: Kill on the primary serving the most popular event, at 4s of 12s. WAIT timeout 100 ms.\n\n| WAIT | error window s |", sections[0]);
        // Nothing failed: no window, no last failing join; never back to rate inside the injection; no lag measured.
        Assert.Contains("| none | none | 0 |  | n/a | 12.5 | none | never (inside injection) | 3.25 | none | 990 | 0 | n/a | 0 (0; 0) | 0 | 0 / 0 | 0 | 0 | 0 | 0 (0) | 2 |", sections[0]);
        Assert.StartsWith("Doubled keys:", sections[1]);
        Assert.Contains("(keys whose dedupe key and entry disagree: 0)", sections[1]);
        Assert.StartsWith("The error window runs", sections[2]);
        Assert.StartsWith("Acknowledged but lost:", sections[3]);
        Assert.StartsWith("The outage is measured by send time", sections[4]);
        Assert.Equal(5, sections.Count); // no failed check, no --max-lost, not a lagged kill
    }

    [Fact]
    public void Every_failed_check_gets_its_own_bold_line()
    {
        FailoverRow notCompleted = Row("1") with { FaultError = "no replica had an address.", Healed = false };
        FailoverRow exited = Row("1, always") with { FaultCommandLog = "/tmp/a.log", FaultCommandExitCode = 3 };
        FailoverRow killed = Row("require 1") with { FaultCommandLog = "/tmp/b.log", FaultCommandExitCode = null };
        IReadOnlyList<string> sections = FailoverReport.Render(Findings(notCompleted, exited, killed));

        Assert.Equal("**The fault did not complete (WAIT 1): no replica had an address. Check failed.**", sections[5]);
        Assert.Equal("**--fault-command failed (exit code 3); its output is in /tmp/a.log. Check failed.**", sections[6]);
        Assert.Equal("**--fault-command failed (killed at its time limit); its output is in /tmp/b.log. Check failed.**", sections[7]);
        Assert.Equal(8, sections.Count);
    }

    [Fact]
    public void Max_lost_says_whether_every_run_stayed_within_it()
    {
        FailoverFindings within = Findings(Row("none", lost: 2), Row("1", lost: 1)) with { MaxLost = 2 };
        Assert.Equal("--max-lost 2: every run lost at most 2 acknowledged join(s).", FailoverReport.Render(within)[^1]);

        FailoverFindings exceeded = within with { MaxLost = 1 };
        Assert.Equal("**--max-lost 1 exceeded: WAIT none lost 2. Check failed.**", FailoverReport.Render(exceeded)[^1]);
    }

    [Fact]
    public void A_lagged_kill_explains_its_lag_columns()
    {
        FailoverRow lagged = Row("none", lost: 5) with { LagBytes = 12_345, PredictedLostJoins = 4.6 };
        IReadOnlyList<string> sections = FailoverReport.Render(Findings(lagged) with { Fault = "LaggedKill", LaggedKill = true });

        Assert.Contains("| 12,345 (5) |", sections[0]);
        Assert.StartsWith("Lagged kill: the hot shard's replica is frozen", sections[^1]);
        Assert.DoesNotContain(FailoverReport.Render(Findings(lagged)), s => s.StartsWith("Lagged kill", StringComparison.Ordinal));
    }

    [Fact]
    public void Dedupe_mismatches_are_not_available_when_any_run_did_not_read_the_dedupe_keys()
    {
        FailoverRow unread = Row("none") with { Audit = Audit(0) with { DedupeWithoutEntry = null } };
        Assert.Contains("(keys whose dedupe key and entry disagree: n/a)", FailoverReport.Render(Findings(Row("1"), unread))[1]);
    }
}
