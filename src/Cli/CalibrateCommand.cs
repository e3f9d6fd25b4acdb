using System.CommandLine;
using HashtagBench.Cli.Common;
using HashtagBench.ClusterSim;
using HashtagBench.Contracts;
using HashtagBench.Load;
using HashtagBench.Provisioning;
using StackExchange.Redis;

namespace HashtagBench.Cli;

/// <summary>
/// calibrate: measures each waiting-room command's server cost (usec per call from INFO commandstats) on the local
/// cluster or --cluster, and writes the cost table `sim --launch --costs` reads.
/// </summary>
public static class CalibrateCommand
{
    public static Command Create()
    {
        var visits = new Option<int>("--visits") { Description = "Simulated users; each sends every measured command once (at least 100).", DefaultValueFactory = _ => 5000 };
        var output = new Option<string>("--out") { Description = "Where to write the cost table (JSON).", DefaultValueFactory = _ => Path.Combine("results", "command-costs.json") };
        var cluster = new ClusterOptions();
        var cmd = new Command("calibrate", "Measure each waiting-room command's server cost (INFO commandstats usec per call) and write the cost table sim --launch uses.");
        cmd.Options.Add(visits);
        cmd.Options.Add(output);
        cluster.AddTo(cmd);
        cmd.SetAction(async (r, ct) =>
        {
            TextWriter error = r.InvocationConfiguration.Error;
            try
            {
                int n = r.GetValue(visits);
                if (n < 100) throw new ArgumentException($"--visits must be at least 100 (got {n}): fewer calls give no stable usec per call.");
                await using RunningCluster running = await cluster.StartAsync(r, ct);
                await using ConnectionMultiplexer mux = await running.ConnectAsync();
                CommandCostTable table = await CommandCalibrator.RunAsync(mux, running.Description, n, m => error.WriteLine(m), ct);
                string path = r.GetValue(output)!;
                Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
                await File.WriteAllTextAsync(path, table.ToJson() + Environment.NewLine, ct);
                TextWriter o = r.InvocationConfiguration.Output;
                o.WriteLine($"Measured on {table.Machine.Cpu} ({table.Machine.LogicalCpus} logical CPUs), redis {table.Machine.RedisVersion}, {running.Description}:");
                foreach (CommandCost c in table.Commands) o.WriteLine(FormattableString.Invariant($"  {c.Command,-17} {c.UsecPerCall,7:0.00} usec/call over {c.Calls:N0} calls"));
                o.WriteLine($"Cost table: {path}");
                return 0;
            }
            catch (Exception ex) when (CliErrors.IsInterruption(ex, ct))
            {
                return ExitCodes.Interrupted;
            }
            catch (CalibrationException ex)
            {
                error.WriteLine($"error: {ex.Message}");
                return ExitCodes.Failed;
            }
            catch (Exception ex) when (CliErrors.IsInputError(ex) || ex is RedisException)
            {
                return CliErrors.Report(error, ex);
            }
        });
        return cmd;
    }
}
