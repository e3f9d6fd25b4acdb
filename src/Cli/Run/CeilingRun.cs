using HashtagBench.Cli.Common;
using HashtagBench.ClusterSim;
using HashtagBench.Contracts;
using HashtagBench.Load.Rehearsal;
using HashtagBench.Provisioning;
using HashtagBench.WaitingRoom;
using StackExchange.Redis;
using System.Diagnostics;

namespace HashtagBench.Cli.Run;

/// <summary>
/// run --launch --find-ceiling for one strategy: the run at --scale is the first step; each next one is a full
/// launch run at scale × factor (up to 1) until the hottest primary's peak CPU reaches the target, the steps run out
/// or the time does. Then the measured crossing beside the model's (<see cref="ScaleCeiling"/>).
/// </summary>
internal static class CeilingRun
{
    public static async Task<ScaleCeilingResult> FindAsync(Launch launch, LaunchRunStrategy first, ClientMode mode, LaunchPlan plan, CeilingSearch search,
        string runId, RunningCluster cluster, IConnectionMultiplexer mux, Topology live, CommandCostTable costs, TextWriter output, CancellationToken ct)
    {
        WaitingRoomSchema schema = WaitingRoomSchema.Parse(first.Strategy);
        double targetPercent = plan.CpuTarget * 100;
        string modelPrefix = LaunchPlan.KeyPrefix(runId, $"ceiling-{schema.Name}");
        var steps = new List<ScaleCeilingStep>
        {
            ScaleCeiling.StepOf(first.Measured!, plan.Scale, first.PredictedAtScale?.HottestPrimaryCpu, LaunchRehearsalReport.HottestPrimary(first.Measured)?.CpuPercent),
        };
        var clock = Stopwatch.StartNew();
        double scale = plan.Scale;
        for (int k = 1; k <= search.Steps && scale < 1 && clock.Elapsed.TotalSeconds < search.Seconds && !ct.IsCancellationRequested; k++)
        {
            if (steps[^1] is not { PeakCpuPercent: double cpu, Error: null } || cpu >= targetPercent) break;
            scale = Math.Min(1, scale * search.Factor);
            (Launch scaled, string note) = LaunchScaling.Scale(launch, scale);
            string prefix = LaunchPlan.KeyPrefix(runId, $"ceiling{k}-{schema.Name}");
            var request = new LaunchRunRequest(scaled, scale, note, schema, runId, prefix, plan.KeepData, plan.MaxSeconds, ClientMode: mode);
            double model = LaunchCapacity.Size(LaunchComparer.Predict(request, live, costs), plan.CpuTarget).HottestPrimaryCpu;
            output.WriteLine($"== ceiling {schema.Name} ({mode}): step {k} at {LaunchRehearsalReport.ScaleText(scale)}");
            try
            {
                LaunchRunResult r = await LaunchScenario.RunAsync(request, cluster, mux, msg => output.WriteLine($"   {msg}"), ct);
                if (r.Interrupted) break;
                steps.Add(ScaleCeiling.StepOf(r, scale, model, LaunchRehearsalReport.HottestPrimary(r)?.CpuPercent));
                output.WriteLine($"   {LaunchRehearsalReport.ClientSentence(r)}");
            }
            catch (Exception ex) when (ex is ClusterProvisioningException or RedisConnectionException)
            {
                ClientShape shape = scaled.File.Client with { Mode = mode };
                int pods = shape.PodsAtScale(scale);
                steps.Add(new ScaleCeilingStep(scale, pods, shape.ConnectionsPerNode(pods), null, null, null, model * 100, CliErrors.Describe(ex)));
                output.WriteLine($"   step not measured: {CliErrors.Describe(ex)}");
            }
        }
        (double? measured, string measuredNote) = ScaleCeiling.Crossing(steps, targetPercent);
        (double? modelScale, string modelNote) = ScaleCeiling.ModelCrossing(
            s => ScaleCeiling.ModelCpu(launch, s, schema, live, modelPrefix, plan.CpuTarget, mode, costs), plan.CpuTarget,
            steps.Where(s => s.ModelCpuPercent is not null).Select(s => (s.Scale, s.ModelCpuPercent!.Value / 100)));
        return new ScaleCeilingResult(schema.Name, mode.ToString(), plan.CpuTarget, steps, measured, measuredNote, modelScale, modelNote);
    }
}
