namespace HashtagBench.Cli.Tests;

/// <summary>Runs hashtag-bench in this process, as its Main does, capturing stdout and stderr.</summary>
internal static class CliRun
{
    private static readonly SemaphoreSlim OneAtATime = new(1, 1); // Console is process-wide

    public static async Task<(int Code, string Error)> InvokeAsync(string[] args)
    {
        var (code, _, error) = await InvokeWithOutputAsync(args);
        return (code, error);
    }

    public static async Task<(int Code, string Output, string Error)> InvokeWithOutputAsync(string[] args)
    {
        await OneAtATime.WaitAsync();
        var err = new StringWriter();
        var output = new StringWriter();
        TextWriter oldErr = Console.Error, oldOut = Console.Out;
        Console.SetError(err);
        Console.SetOut(output);
        try { return (await HashtagBenchApp.MainAsync(args), output.ToString(), err.ToString()); }
        finally
        {
            Console.SetError(oldErr);
            Console.SetOut(oldOut);
            OneAtATime.Release();
        }
    }
}
