using HashtagBench.Cli.Common;
using HashtagBench.ClusterSim;
using HashtagBench.Contracts;
using HashtagBench.Load;
using HashtagBench.Load.Calibration;
using HashtagBench.Provisioning;
using StackExchange.Redis;
using System.CommandLine;
using System.Globalization;

namespace HashtagBench.Cli;

/// <summary>
/// calibrate: measures what the CPU model needs on the local cluster or --cluster: each waiting-room command's
/// time (usec per call from INFO commandstats), then the rest of the request from controlled steps (rates ×
/// connections × pipeline depths, reads and replicated writes, idle connections; INFO cpu deltas over the server's
/// clock), fits the model's terms and writes the cost table `sim --launch` and `run --launch` read. A fit whose
/// residuals are over --max-residual is refused (exit 1, nothing written).
/// </summary>
internal static class CalibrateCommand
{
    public static Command Create()
    {
        var visits = new Option<int>("--visits") { Description = "Simulated users; each sends every measured command once (at least 100).", DefaultValueFactory = _ => 5000 };
        var output = new Option<string>("--out") { Description = "Where to write the cost table (JSON).", DefaultValueFactory = _ => Path.Combine("results", "command-costs.json") };
        var stepSeconds = new Option<double>("--step-seconds") { Description = "Seconds each server step is measured (after 0.5 s of warm-up).", DefaultValueFactory = _ => 3 };
        var idleConnections = new Option<int>("--idle-connections") { Description = "Idle connections of the largest connection-upkeep step (half of it is the other).", DefaultValueFactory = _ => 4000 };
        var maxResidual = new Option<double>("--max-residual") { Description = "Refuse a fit whose RMS error exceeds this fraction of the measured CPU.", DefaultValueFactory = _ => CpuModelFitter.DefaultMaxRmsRelative };
        var plainReference = new Option<string?>("--plain-reference") { Description = "On a TLS cluster: a cost table calibrated over plain TCP on the same node type; the TLS term is the per-read difference." };
        var cluster = new ClusterOptions();
        var cmd = new Command("calibrate", "Measure the server's CPU per command and per round trip, wake-up, connection and replicated write, fit the CPU model and write the cost table sim --launch uses.");
        foreach (Option o in new Option[] { visits, output, stepSeconds, idleConnections, maxResidual, plainReference }) cmd.Options.Add(o);
        cluster.AddTo(cmd);
        cmd.SetAction(async (r, ct) =>
        {
            TextWriter error = r.InvocationConfiguration.Error;
            try
            {
                int n = r.GetValue(visits);
                if (n < 100) throw new ArgumentException($"--visits must be at least 100 (got {n}): fewer calls give no stable usec per call.");
                double seconds = r.GetValue(stepSeconds), limit = r.GetValue(maxResidual);
                if (!(seconds is >= 0.2 and <= 60)) throw new ArgumentException($"--step-seconds must be in [0.2, 60] (got {seconds.ToString(CultureInfo.InvariantCulture)}).");
                if (!(limit > 0)) throw new ArgumentException($"--max-residual must be > 0 (got {limit.ToString(CultureInfo.InvariantCulture)}).");
                int idle = r.GetValue(idleConnections);
                if (idle is < 2 or > 50_000) throw new ArgumentException($"--idle-connections must be in [2, 50000] (got {idle}).");
                CommandCostTable? reference = r.GetValue(plainReference) is { } refPath ? CommandCostTable.Read(refPath) : null;
                if (reference is { Server: null or { Tls: true } }) throw new ArgumentException("--plain-reference must be a cost table with server terms measured over plain TCP.");

                await using RunningCluster running = await cluster.StartAsync(r, ct);
                await using ConnectionMultiplexer mux = await running.ConnectAsync();
                CommandCostTable table = await CommandCalibrator.RunAsync(mux, running.Description, n, m => error.WriteLine(m), ct);
                error.WriteLine($"server steps: {ServerCalibrator.DefaultPlan(idle).Count} × {seconds.ToString("0.#", CultureInfo.InvariantCulture)} s on the first primary and its replica");
                ServerCalibration server = await ServerCalibrator.RunAsync(mux, running, ServerCalibrator.DefaultPlan(idle), TimeSpan.FromSeconds(seconds), m => error.WriteLine(m), ct);
                bool tls = running.Auth?.Tls ?? false;
                ServerCpuModel model = CpuModelFitter.Fit(server.Steps, limit, tls, server.BytesPerConnection, server.LoadAverage, reference?.Server?.PerReadUsec);
                string load = server.LoadAverage is { } la ? la.ToString("0.0", CultureInfo.InvariantCulture) : "n/a";
                table = table with
                {
                    Server = model,
                    Steps = server.Steps,
                    Machine = table.Machine with
                    {
                        Method = table.Machine.Method + FormattableString.Invariant(
                            $"; server terms fitted to {server.Steps.Count} steps on {server.Node}{(server.Replica is null ? "" : $" and its replica {server.Replica}")} ({(tls ? "TLS" : "plain TCP")}), RMS error {model.Fit!.RmsRelative:P1}; machine load average {load} while the steps ran"),
                    },
                };
                string path = r.GetValue(output)!;
                Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
                await File.WriteAllTextAsync(path, table.ToJson() + Environment.NewLine, ct);
                Print(r.InvocationConfiguration.Output, table, running.Description, server, path);
                return 0;
            }
            catch (Exception ex) when (CliErrors.IsInterruption(ex, ct))
            {
                return ExitCodes.Interrupted;
            }
            catch (Exception ex) when (ex is CalibrationException or CpuFitRefusedException)
            {
                error.WriteLine($"error: {CliErrors.Describe(ex)}");
                return ExitCodes.Failed;
            }
            catch (Exception ex) when (CliErrors.IsInputError(ex) || ex is RedisException or RespException)
            {
                return CliErrors.Report(error, ex);
            }
        });
        return cmd;
    }

    private static void Print(TextWriter o, CommandCostTable table, string cluster, ServerCalibration server, string path)
    {
        ServerCpuModel m = table.Model;
        CpuFit fit = m.Fit!;
        o.WriteLine($"Measured on {table.Machine.Cpu} ({table.Machine.LogicalCpus} logical CPUs), redis {table.Machine.RedisVersion}, {cluster}:");
        foreach (CommandCost c in table.Commands) o.WriteLine(FormattableString.Invariant($"  {c.Command,-17} {c.UsecPerCall,7:0.00} usec/call over {c.Calls:N0} calls"));
        FitResidual worst = fit.Residuals.MaxBy(x => Math.Abs(x.Relative))!;
        o.WriteLine(FormattableString.Invariant(
            $"Server terms, fitted to {fit.Steps} steps on {server.Node}{(server.Replica is null ? "" : $" and {server.Replica}")}: RMS error {fit.RmsRelative:P1}, worst {worst.Relative:+0.0%;-0.0%} ({worst.Step}, {worst.Role}); forecast band ±{fit.Band:P0}"));
        o.WriteLine(FormattableString.Invariant($"  idle                  {m.IdleUsecPerSecond,9:N0} usec/s per node"));
        o.WriteLine(FormattableString.Invariant($"  per command           {m.PerCommandUsec,9:0.00} usec (beyond its commandstats time)"));
        o.WriteLine(FormattableString.Invariant($"  per read              {m.PerReadUsec,9:0.00} usec (a round trip{(m.Tls ? ", over TLS" : "")})"));
        o.WriteLine(FormattableString.Invariant($"  per wake-up           {m.PerWakeUsec,9:0.00} usec, reads sharing one within τ = {m.WakeShareSeconds * 1e6:0.#} usec (wake-ups = reads / (1 + reads·τ))"));
        o.WriteLine(FormattableString.Invariant($"  per connection        {m.PerConnectionUsecPerSecond,9:0.000} usec/s, {(m.BytesPerConnection is { } b ? $"{b:N0} bytes" : "n/a")} of memory each"));
        o.WriteLine(FormattableString.Invariant($"  replication           {m.ShipUsecPerCommand,9:0.00} usec per command and {m.ShipUsecPerWrite:0.00} usec per round trip that wrote, per replica (primary)"));
        o.WriteLine(FormattableString.Invariant($"                        {m.LinkReadUsec,9:0.00} usec per read of the stream and {m.AppliedCommandUsec:0.00} usec per applied command (replica)"));
        o.WriteLine(m.Tls
            ? (m.TlsUsecPerRead is { } t ? FormattableString.Invariant($"  TLS                   {t,9:0.00} usec per read over the plain reference") : "  TLS                   included in per read (TLS cluster; --plain-reference splits it out)")
            : "  TLS                   not measured (plain TCP cluster): n/a");
        o.WriteLine($"Cost table: {path}");
    }
}
