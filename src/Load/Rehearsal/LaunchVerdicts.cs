using HashtagBench.Contracts;
using HashtagBench.Reporting;
using HashtagBench.WaitingRoom;
using System.Globalization;

namespace HashtagBench.Load.Rehearsal;

/// <summary>
/// What a live launch is judged by: the launch file's per-step thresholds (k6's http_req_duration and
/// http_req_failed, per step and over all requests). The audit and the verdict over both are
/// <see cref="LaunchVerdictPolicy"/>'s, one policy for every launch front end.
/// </summary>
public static class LaunchVerdicts
{
    public const string AllSteps = LaunchVerdictPolicy.AllSteps;

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
}
