using System.Globalization;
using HashtagBench.Contracts;
using HashtagBench.WaitingRoom;

namespace HashtagBench.Load.Rehearsal;

/// <summary>
/// What a live launch is judged by: the launch file's per-step thresholds (k6's http_req_duration and
/// http_req_failed, per step and over all requests), and the lifecycle audit (every visit counted exactly once,
/// every failure with its reason, every request either ok or failed).
/// </summary>
public static class LaunchVerdicts
{
    public const string AllSteps = "all";

    /// <summary>The step's name in results and reports: join, status, status-expired, enter, leave, hold-seat.</summary>
    public static string StepName(Step step) => step switch
    {
        Step.Join => "join",
        Step.Status => "status",
        Step.StatusExpired => "status-expired",
        Step.Enter => "enter",
        Step.Leave => "leave",
        Step.HoldSeat => "hold-seat",
        _ => throw new ArgumentOutOfRangeException(nameof(step), step, null),
    };

    /// <summary>
    /// Each rule of <paramref name="thresholds"/> against the steps, plus "measured requests &gt; 0" (a run that
    /// measured nothing fails) and, as for every load run, "dropped &lt;= 0" (a user's arrival never sent fails).
    /// Latencies are of every outcome, from each request's intended time. A rule on a step with no request fails
    /// (NoData, n/a): it never passes on 0.
    /// </summary>
    public static IReadOnlyList<ThresholdCheck> Check(LaunchThresholds thresholds, IReadOnlyList<LaunchStepResult> steps, ArrivalCounts arrivals)
    {
        LaunchStepResult? all = steps.FirstOrDefault(s => s.Step == AllSteps);
        long requests = all?.Requests ?? 0;
        var checks = new List<ThresholdCheck>
        {
            new("measured requests > 0", requests, 0, requests > 0),
            new(Engine.Threshold.DefaultDropped, arrivals.DroppedTotal, 0, arrivals.DroppedTotal <= 0),
        };
        foreach (var (name, rule) in new (string, StepThreshold?)[]
        {
            (AllSteps, thresholds.All), (StepName(Step.Join), thresholds.Join), (StepName(Step.Status), thresholds.Status),
            (StepName(Step.Enter), thresholds.Enter), (StepName(Step.Leave), thresholds.Leave), (StepName(Step.HoldSeat), thresholds.HoldSeat),
        })
        {
            if (rule is null) continue;
            LaunchStepResult? s = steps.FirstOrDefault(x => x.Step == name);
            if (rule.P95Ms is double p95) checks.Add(Rule($"{name} p95 < {Ms(p95)} ms", s?.AllLatency?.P95, p95));
            if (rule.P99Ms is double p99) checks.Add(Rule($"{name} p99 < {Ms(p99)} ms", s?.AllLatency?.P99, p99));
            if (rule.MaxFailurePercent is double fail) checks.Add(Rule($"{name} fail% < {Ms(fail)}", s?.FailPercent, fail));
        }
        return checks;
    }

    private static ThresholdCheck Rule(string text, double? actual, double limit) => actual is double a
        ? new ThresholdCheck(text, a, limit, a < limit)
        : new ThresholdCheck(text, 0, limit, false) { NoData = true };

    private static string Ms(double v) => v.ToString("0.###", CultureInfo.InvariantCulture);

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
}
