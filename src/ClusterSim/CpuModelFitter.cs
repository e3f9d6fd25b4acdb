using System.Text.Json.Serialization;

namespace HashtagBench.ClusterSim;

/// <summary>
/// One controlled calibration step on one node: every figure is a delta of the server's own counters (INFO cpu,
/// commandstats, stats, clients) divided by the server's own clock (INFO server_time_usec) over the step.
/// </summary>
/// <param name="Role">"primary" (the loaded node) or "replica" (its replica, applying what the primary ships).</param>
/// <param name="Connections">Connections the load generator held to the node (sending or idle).</param>
/// <param name="Depth">Commands per round trip the load generator sent.</param>
/// <param name="TargetPerSecond">The commands/s it aimed at; 0 for idle, null for a closed loop as fast as it goes.</param>
/// <param name="CpuUsecPerSecond">Engine-thread CPU (used_cpu_sys_main_thread + used_cpu_user_main_thread).</param>
/// <param name="CommandUsecPerSecond">Σ commandstats usec: the command time the model takes from the cost table.</param>
/// <param name="ReadsPerSecond">Client round trips the server saw (total_reads_processed; 0 on a replica, whose reads are <paramref name="LinkReadsPerSecond"/>).</param>
/// <param name="ConnectedClients">connected_clients during the step (every client, the harness's own too).</param>
/// <param name="ShippedPerSecond">On the primary: what its replicas applied (replicated commands × replicas).</param>
/// <param name="ShipWritesPerSecond">On the primary: its round trips that wrote, × replicas.</param>
/// <param name="AppliedPerSecond">On a replica: the replicated commands it applied (inside its commands and command time).</param>
/// <param name="LinkReadsPerSecond">On a replica: its reads of the primary's stream (total_reads_processed).</param>
public sealed record CalibrationStep(
    string Name, string Role, int Connections, int Depth, double? TargetPerSecond, double Seconds,
    double CpuUsecPerSecond, double CommandUsecPerSecond, double CommandsPerSecond, double ReadsPerSecond,
    double ConnectedClients, double ShippedPerSecond, double ShipWritesPerSecond, double AppliedPerSecond, double LinkReadsPerSecond)
{
    public const string Primary = "primary", Replica = "replica";

    [JsonIgnore] public double BusyFraction => CpuUsecPerSecond / ServerCpuModel.CoreUsec;

    /// <summary>The load the model reads for this step.</summary>
    [JsonIgnore] public NodeLoad Load => new(CommandUsecPerSecond, CommandsPerSecond, ReadsPerSecond, ConnectedClients, ShippedPerSecond, ShipWritesPerSecond, LinkReadsPerSecond);
}

/// <summary>The fit was refused: its terms do not describe the steps (one line, for exit 1).</summary>
public sealed class CpuFitRefusedException(string message) : Exception(message);

/// <summary>
/// Fits <see cref="ServerCpuModel"/>'s terms to calibration steps: for each dead time τ on a log grid (refined by
/// golden section around the best; τ ≤ 1 ms), non-negative least squares on relative errors (each step weighted by 1 ÷ its
/// CPU, so a 2 % idle step counts as much as an 80 % one) over every primary and replica step; the τ with the
/// smallest error wins. A fit whose RMS relative error is over the limit is refused: its terms would not describe
/// the steps they came from.
/// </summary>
public static class CpuModelFitter
{
    public const double DefaultMaxRmsRelative = 0.15;

    private static readonly string[] Terms = ["idle", "per command", "per read", "per wake-up", "per connection", "per shipped command", "per shipped write", "per link read"];

    public static ServerCpuModel Fit(IReadOnlyList<CalibrationStep> steps, double maxRmsRelative = DefaultMaxRmsRelative, bool tls = false,
        double? bytesPerConnection = null, double? loadAverage = null, double? plainPerReadUsec = null)
    {
        ArgumentNullException.ThrowIfNull(steps);
        if (!(maxRmsRelative > 0)) throw new ArgumentOutOfRangeException(nameof(maxRmsRelative), maxRmsRelative, "The residual limit is a fraction > 0.");
        var bad = steps.FirstOrDefault(s => !(s.CpuUsecPerSecond > 0) || !double.IsFinite(s.CpuUsecPerSecond) || !(s.Seconds > 0));
        if (bad is not null) throw new CpuFitRefusedException($"step {bad.Name} ({bad.Role}) measured no CPU: nothing to fit.");
        if (steps.Count < Terms.Length + 1) throw new CpuFitRefusedException($"{steps.Count} step(s) for {Terms.Length + 1} terms: too few to fit.");
        double[][] features0 = [.. steps.Select(s => Features(s, 0))];
        // The node's own terms must each be exercised; the replication ones stay 0 on a cluster without replicas.
        foreach (int j in new[] { 0, 1, 2, 4 })
            if (features0.All(r => r[j] == 0)) throw new CpuFitRefusedException($"no calibration step exercises the {Terms[j]} term: it cannot be fitted.");
        // Applied commands' own time on a replica, measured directly where a replica applied something.
        var applying = steps.Where(s => s.Role == CalibrationStep.Replica && s.AppliedPerSecond >= 100).Select(s => s.CommandUsecPerSecond / s.AppliedPerSecond).Order().ToList();
        double applied = applying.Count == 0 ? 0 : applying[applying.Count / 2];

        // Profile least squares over τ: a log grid up to a millisecond (a longer dead time is no loop turn: it
        // would fold a machine's stalls into the term), then golden section between the best point's neighbours.
        double[] grid = [0, .. Enumerable.Range(0, 41).Select(i => Math.Pow(10, -7 + i * 0.1))];
        var scored = grid.Select(tau => (Tau: tau, Error: Solve(steps, tau).Error)).ToList();
        int best = scored.IndexOf(scored.MinBy(x => x.Error));
        double tauBest = scored[best].Tau;
        if (best > 0 && best < grid.Length - 1 && grid[best - 1] > 0)
        {
            double lo = Math.Log(grid[best - 1]), hi = Math.Log(grid[best + 1]);
            double Err(double logTau) => Solve(steps, Math.Exp(logTau)).Error;
            const double Phi = 0.6180339887498949;
            double a = hi - Phi * (hi - lo), b = lo + Phi * (hi - lo), fa = Err(a), fb = Err(b);
            for (int i = 0; i < 40; i++)
            {
                if (fa < fb) { (hi, b, fb) = (b, a, fa); a = hi - Phi * (hi - lo); fa = Err(a); }
                else { (lo, a, fa) = (a, b, fb); b = lo + Phi * (hi - lo); fb = Err(b); }
            }
            double refined = Math.Exp((lo + hi) / 2);
            if (Err(Math.Log(refined)) < scored[best].Error) tauBest = refined;
        }
        double[] t = Solve(steps, tauBest).Terms;
        var model = new ServerCpuModel(t[0], t[1], t[2], t[3], tauBest, t[4], t[5], t[6], t[7], applied, tls,
            tls && plainPerReadUsec is { } plain ? Math.Max(0, t[2] - plain) : null, bytesPerConnection);

        var residuals = steps.Select(s => new FitResidual(s.Name, s.Role, s.CpuUsecPerSecond, model.Usec(s.Load))).ToList();
        double rms = Math.Sqrt(residuals.Average(r => r.Relative * r.Relative));
        FitResidual worst = residuals.MaxBy(r => Math.Abs(r.Relative))!;
        if (!(rms <= maxRmsRelative))
            throw new CpuFitRefusedException(FormattableString.Invariant(
                $"the CPU model does not fit the calibration: RMS error {rms:P0} of the measured CPU over {steps.Count} steps (worst {worst.Relative:+0%;-0%} at '{worst.Step}' on the {worst.Role}), over the {maxRmsRelative:P0} allowed; no cost table written"));
        return model with { Fit = new CpuFit(steps.Count, rms, Math.Abs(worst.Relative), loadAverage, residuals) };
    }

    // cpu − command time = B + p·commands + r·reads + w·wake-ups(τ) + k·connections + s·shipped + q·ship writes + l·link reads.
    private static double[] Features(CalibrationStep s, double tau) =>
        [1, s.CommandsPerSecond, s.ReadsPerSecond, ServerCpuModel.WakeUps(s.ReadsPerSecond + s.LinkReadsPerSecond, tau), s.ConnectedClients,
         s.ShippedPerSecond, s.ShipWritesPerSecond, s.LinkReadsPerSecond];

    private static (double[] Terms, double Error) Solve(IReadOnlyList<CalibrationStep> steps, double tau)
    {
        double[][] x = [.. steps.Select(s => Features(s, tau).Select(v => v / s.CpuUsecPerSecond).ToArray())];
        double[] y = [.. steps.Select(s => (s.CpuUsecPerSecond - s.CommandUsecPerSecond) / s.CpuUsecPerSecond)];
        double[] beta = NonNegativeLeastSquares(x, y);
        double error = 0;
        for (int i = 0; i < x.Length; i++)
        {
            double e = -y[i];
            for (int j = 0; j < beta.Length; j++) e += x[i][j] * beta[j];
            error += e * e;
        }
        return (beta, error);
    }

    /// <summary>
    /// min ‖Xβ − y‖² subject to β ≥ 0, exactly: with a handful of terms every subset of free terms is solved
    /// unconstrained (columns scaled to unit length, Gaussian elimination) and the best feasible one is kept.
    /// </summary>
    internal static double[] NonNegativeLeastSquares(double[][] x, double[] y)
    {
        int n = x[0].Length;
        var scale = new double[n];
        for (int j = 0; j < n; j++) scale[j] = Math.Sqrt(x.Sum(r => r[j] * r[j])) is var norm && norm > 0 ? norm : 1;
        double[] best = new double[n];
        double bestError = y.Sum(v => v * v);
        for (int mask = 1; mask < 1 << n; mask++)
        {
            int[] free = [.. Enumerable.Range(0, n).Where(j => (mask >> j & 1) == 1)];
            if (LeastSquares(x, y, free, scale) is not { } b || b.Any(v => v < 0)) continue;
            var beta = new double[n];
            for (int i = 0; i < free.Length; i++) beta[free[i]] = b[i] / scale[free[i]];
            double error = 0;
            for (int i = 0; i < x.Length; i++)
            {
                double e = -y[i];
                for (int j = 0; j < n; j++) e += x[i][j] * beta[j];
                error += e * e;
            }
            if (error < bestError - 1e-15 * Math.Max(1, bestError)) (best, bestError) = (beta, error);
        }
        return best;
    }

    // The normal equations of the scaled free columns, by Gaussian elimination with partial pivoting; null when singular.
    private static double[]? LeastSquares(double[][] x, double[] y, int[] free, double[] scale)
    {
        int m = free.Length;
        var a = new double[m, m + 1];
        foreach (var (row, target) in x.Zip(y))
            for (int j = 0; j < m; j++)
            {
                double xj = row[free[j]] / scale[free[j]];
                a[j, m] += xj * target;
                for (int k = 0; k < m; k++) a[j, k] += xj * row[free[k]] / scale[free[k]];
            }
        for (int col = 0; col < m; col++)
        {
            int pivot = col;
            for (int r = col + 1; r < m; r++) if (Math.Abs(a[r, col]) > Math.Abs(a[pivot, col])) pivot = r;
            if (Math.Abs(a[pivot, col]) < 1e-12) return null;
            for (int k = 0; k <= m; k++) (a[col, k], a[pivot, k]) = (a[pivot, k], a[col, k]);
            for (int r = 0; r < m; r++)
            {
                if (r == col) continue;
                double f = a[r, col] / a[col, col];
                for (int k = col; k <= m; k++) a[r, k] -= f * a[col, k];
            }
        }
        return [.. Enumerable.Range(0, m).Select(j => a[j, m] / a[j, j])];
    }
}
