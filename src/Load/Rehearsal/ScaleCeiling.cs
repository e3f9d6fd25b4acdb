using HashtagBench.ClusterSim;
using HashtagBench.Contracts;
using HashtagBench.WaitingRoom;
using System.Globalization;

namespace HashtagBench.Load.Rehearsal;

/// <summary>
/// The arithmetic of run --launch --find-ceiling: where the measured steps cross the CPU target, and where the model's
/// hottest primary does. Runs nothing itself.
/// </summary>
public static class ScaleCeiling
{
    /// <summary>Bisection steps for the model's crossing: the bracket shrinks 2^n-fold.</summary>
    public const int ModelIterations = 10;

    /// <summary>One measured step: the run's hottest primary (peak sampled second, and the drive window's mean) beside the model's.</summary>
    public static ScaleCeilingStep StepOf(LaunchRunResult run, double scale, double? modelCpu, double? peakCpuPercent)
    {
        NodeClientCost? hot = run.Client?.HottestPrimary;
        return new ScaleCeilingStep(scale, run.Client?.Pods ?? 0, run.Client?.PlannedConnectionsPerNode ?? 0, peakCpuPercent,
            hot?.CpuPercent, hot?.CallsPerSec, modelCpu * 100);
    }

    /// <summary>
    /// The scale where the steps' peak CPU crosses <paramref name="targetPercent"/>: linear between the last step under
    /// it and the first at or over it. When the first measured step is already over, proportionally through the origin
    /// (CPU ∝ scale), and the note says so. Null when no step reached the target.
    /// </summary>
    public static (double? Scale, string Note) Crossing(IReadOnlyList<ScaleCeilingStep> steps, double targetPercent)
    {
        var measured = steps.Where(s => s.PeakCpuPercent is not null).ToList();
        if (measured.Count == 0) return (null, "no step measured a CPU");
        int hi = measured.FindIndex(s => s.PeakCpuPercent >= targetPercent);
        if (hi < 0)
        {
            ScaleCeilingStep last = measured[^1];
            return (null, Inv($"not reached: {last.PeakCpuPercent:0.0} % at {last.Scale:0.###}× (the highest step measured)"));
        }
        ScaleCeilingStep h = measured[hi];
        if (hi == 0)
            return (h.Scale * targetPercent / h.PeakCpuPercent!.Value,
                Inv($"already {h.PeakCpuPercent:0.0} % at the first step ({h.Scale:0.###}×): scaled down in proportion, through 0 % at scale 0"));
        ScaleCeilingStep l = measured[hi - 1];
        double cl = l.PeakCpuPercent!.Value, ch = h.PeakCpuPercent!.Value;
        double s = ch <= cl ? h.Scale : l.Scale + (targetPercent - cl) * (h.Scale - l.Scale) / (ch - cl);
        return (s, Inv($"between {l.Scale:0.###}× ({cl:0.0} %) and {h.Scale:0.###}× ({ch:0.0} %), linearly"));
    }

    /// <summary>
    /// The scale in (0, 1] at which <paramref name="cpuAt"/> (the model's hottest primary, fraction of a core) reaches
    /// <paramref name="target"/>, by bisection from the tightest bracket the <paramref name="known"/> points give. Null
    /// when it stays under the target at full scale.
    /// </summary>
    public static (double? Scale, string Note) ModelCrossing(Func<double, double> cpuAt, double target, IEnumerable<(double Scale, double Cpu)> known)
    {
        ArgumentNullException.ThrowIfNull(cpuAt);
        var points = known.ToList();
        double lo = 0, hi = 1;
        foreach (var (s, c) in points)
        {
            if (c >= target) hi = Math.Min(hi, s);
            else lo = Math.Max(lo, s);
        }
        if (!points.Any(p => p.Cpu >= target))
        {
            double full = cpuAt(1);
            if (full < target) return (null, Inv($"the model stays under target at full scale ({full * 100:0.0} %)"));
        }
        if (lo >= hi) return (hi, "the model's points cross here (not monotone in scale)");
        for (int i = 0; i < ModelIterations; i++)
        {
            double mid = (lo + hi) / 2;
            if (cpuAt(mid) >= target) hi = mid;
            else lo = mid;
        }
        return ((lo + hi) / 2, Inv($"bisection on the model's hottest primary (busiest second), ±{(hi - lo) / 2:0.####}"));
    }

    /// <summary>
    /// The model's hottest primary (fraction of a core) for <paramref name="launch"/> at <paramref name="scale"/> on the
    /// live topology, the gateway's client in <paramref name="mode"/> with its pods at that scale.
    /// </summary>
    public static double ModelCpu(Launch launch, double scale, WaitingRoomSchema schema, Topology live, string keyPrefix, double targetCpu, ClientMode mode,
        CommandCostTable? costs = null) =>
        LaunchCapacity.Size(LaunchComparer.Predict(LaunchScaling.Scale(launch.WithClientMode(mode), scale).Launch, schema, live, keyPrefix, scale, costs), targetCpu).HottestPrimaryCpu;

    private static string Inv(FormattableString f) => f.ToString(CultureInfo.InvariantCulture);
}
