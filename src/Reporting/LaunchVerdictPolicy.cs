using HashtagBench.ClusterSim;
using HashtagBench.Contracts;
using HashtagBench.WaitingRoom;
using System.Globalization;

namespace HashtagBench.Reporting;

/// <summary>
/// How every live launch run is judged, by `run --launch` and `load run launch` alike: it measured something, its
/// own bookkeeping adds up (<see cref="Audit"/>), and its thresholds passed, except a strategy the model expects to
/// fail CROSSSLOT (legacy's join) whose every failure was CROSSSLOT: that is the incident reproduced, reported as
/// expected, not a failure.
/// </summary>
public static class LaunchVerdictPolicy
{
    /// <summary>The step row over all requests.</summary>
    public const string AllSteps = "all";

    /// <summary>The model puts one of the strategy's multi-key scripts on two slots: on a cluster it fails CROSSSLOT by design.</summary>
    public static bool ExpectedCrossSlot(string strategy) => LaunchSimulator.ScriptsOf(WaitingRoomSchema.Parse(strategy)).Any(s => !s.CoLocated);

    /// <summary>
    /// Problems with the run's own bookkeeping (empty: none): visits that do not add up to the users, failed visits
    /// without a reason, requests neither ok nor failed, steps that do not add up to "all".
    /// </summary>
    public static IReadOnlyList<string> Audit(LaunchLifecycle users, IReadOnlyList<LaunchStepResult> steps)
    {
        var problems = new List<string>();
        int counted = users.Entered + users.Left + users.Expired + users.Failed + users.Unfinished;
        if (counted != users.Users || new[] { users.Entered, users.Left, users.Expired, users.Failed, users.Unfinished }.Any(n => n < 0))
            problems.Add($"visits do not add up: entered {users.Entered} + left {users.Left} + expired {users.Expired} + failed {users.Failed} + unfinished {users.Unfinished} = {counted}, not {users.Users}");
        int reasons = users.FailureReasons.Values.Sum();
        if (reasons != users.Failed || users.FailureReasons.Keys.Any(string.IsNullOrWhiteSpace))
            problems.Add($"{users.Failed} failed visit(s) but {reasons} with a reason");
        foreach (LaunchStepResult s in steps)
        {
            if (s.Ok + s.Failed != s.Requests || s.Ok < 0 || s.Failed < 0)
                problems.Add($"{s.Step}: {s.Requests} request(s) but {s.Ok} ok + {s.Failed} failed");
            if (s.FailuresByKind.Values.Sum() != s.Failed)
                problems.Add($"{s.Step}: {s.Failed} failed request(s) but {s.FailuresByKind.Values.Sum()} by kind");
        }
        if (steps.FirstOrDefault(s => s.Step == AllSteps) is { } all)
        {
            long sum = steps.Where(s => s.Step != AllSteps).Sum(s => s.Requests);
            if (sum != all.Requests) problems.Add($"the steps' {sum} request(s) are not the {all.Requests} of \"all\"");
        }
        else problems.Add("no \"all\" row");
        return problems;
    }

    /// <summary>
    /// One run's verdict, named <paramref name="name"/> in each line: what fails it into <paramref name="failures"/>,
    /// what failed as the design predicts into <paramref name="expected"/>.
    /// </summary>
    public static void Judge(string name, LaunchRunResult m, bool expectedCrossSlot, List<string> failures, List<string> expected)
    {
        ArgumentNullException.ThrowIfNull(m);
        if (m.Steps.Sum(x => x.Step == AllSteps ? 0 : x.Requests) == 0) failures.Add($"{name}: measured nothing (no request)");
        foreach (string p in Audit(m.Users, m.Steps)) failures.Add($"{name}: audit: {p}");
        if (m.ThresholdsPassed) return;
        string failed = string.Join(", ", m.Thresholds.Where(t => !t.Pass).Select(ThresholdText));
        if (expectedCrossSlot && OnlyCrossSlot(m)) expected.Add($"{name}: thresholds failed as the model predicts, every failure CROSSSLOT ({failed})");
        else failures.Add($"{name}: thresholds failed ({(failed.Length == 0 ? "no rule passed" : failed)})");
    }

    /// <summary>"join fail% &lt; 5: 100 vs 5", or "…: no data" for a rule on a step with no request.</summary>
    public static string ThresholdText(ThresholdCheck t) =>
        t.NoData ? $"{t.Threshold}: no data" : string.Create(CultureInfo.InvariantCulture, $"{t.Threshold}: {t.Actual:0.##} vs {t.Limit:0.##}");

    private static bool OnlyCrossSlot(LaunchRunResult m)
    {
        var kinds = m.Steps.Where(x => x.Step != AllSteps).SelectMany(x => x.FailuresByKind).Where(k => k.Value > 0).ToList();
        return kinds.Count > 0 && kinds.All(k => k.Key.Contains("crossslot", StringComparison.OrdinalIgnoreCase));
    }
}
