using HashtagBench.Cli.Common;
using HashtagBench.Contracts;
using System.CommandLine;
using System.Runtime.InteropServices;

namespace HashtagBench.Cli;

/// <summary>
/// The one executable: every verb, one parse-error rule (exit 2) and one interruption rule (Ctrl-C or SIGTERM
/// cancel the verb's token, and the process exits 130 whatever the verb returned).
/// </summary>
internal static class HashtagBenchApp
{
    public static RootCommand CreateRoot()
    {
        var root = new RootCommand("hashtag-bench: Redis Cluster hash-tag design tools for waiting-queue keys. Exit codes: 0 ok, 1 a threshold/gate/audit failed, 2 bad input or unreachable cluster, 130 interrupted.");
        root.Subcommands.Add(KeyslotCommand.Create());
        root.Subcommands.Add(SimCommand.Create());
        root.Subcommands.Add(CalibrateCommand.Create());
        root.Subcommands.Add(LoadCommand.Create());
        root.Subcommands.Add(BenchCommand.Create());
        root.Subcommands.Add(Run.RunCommand.Create());
        root.Subcommands.Add(InspectCommand.Create());
        return root;
    }

    public static async Task<int> MainAsync(string[] args)
    {
        RootCommand root = CreateRoot();
        ParseResult parsed = root.Parse(args);
        // System.CommandLine would exit 1, which this tool reserves for "a threshold failed".
        if (parsed.Errors.Count > 0) return CliErrors.Report(Console.Error, ParseErrors.OneLine(parsed));

        using var cts = new CancellationTokenSource();
        void Interrupt(string signal)
        {
            if (!cts.IsCancellationRequested) Console.Error.WriteLine($"interrupted ({signal}): stopping and cleaning up...");
            cts.Cancel();
        }
        // Ctrl-C through CancelKeyPress, whose handlers run in the order they were added: this one is added before any
        // provider adds its own (which kills a local cluster's nodes at once), so the verb's token is already cancelled
        // when the cluster goes away under it, and what then fails is the interruption, not an error (CliErrors.IsInterruption).
        ConsoleCancelEventHandler ctrlC = (_, e) =>
        {
            e.Cancel = true; // let the verb stop its work and tear down what it started
            Interrupt("SIGINT");
        };
        Console.CancelKeyPress += ctrlC;
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, ctx =>
        {
            ctx.Cancel = true;
            Interrupt(ctx.Signal.ToString());
        });
        var config = new InvocationConfiguration { ProcessTerminationTimeout = null };
        int code;
        try { code = await parsed.InvokeAsync(config, cts.Token).ConfigureAwait(false); }
        catch (OperationCanceledException) when (cts.IsCancellationRequested) { code = ExitCodes.Interrupted; }
        finally { Console.CancelKeyPress -= ctrlC; }
        return cts.IsCancellationRequested ? ExitCodes.Interrupted : code;
    }
}
