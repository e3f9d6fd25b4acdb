using HashtagBench.ClusterSim;
using HashtagBench.Contracts;
using HashtagBench.Keys;
using HashtagBench.Provisioning;
using HashtagBench.WaitingRoom;
using StackExchange.Redis;

namespace HashtagBench.Cli.Common;

/// <summary>
/// The one place that decides what counts as a user's mistake (one line, exit 2) and how it is printed. Anything
/// else is a bug and keeps its stack trace.
/// </summary>
internal static class CliErrors
{
    /// <summary>Errors that mean the user asked for something impossible or pointed at an unusable cluster.</summary>
    public static bool IsInputError(Exception ex) => ex is ArgumentException or FormatException or SimInputException or InvalidKeyInputException
        or ClusterProvisioningException or RedisConnectionException or FileNotFoundException or DirectoryNotFoundException
        or UnauthorizedAccessException or LaunchFileException;

    /// <summary>
    /// The message alone, on one line. ArgumentException appends " (Parameter 'x')" and the actual value on a new
    /// line, which is for developers; our messages already name the option.
    /// </summary>
    public static string Describe(Exception ex)
    {
        string first = ex.Message.Split('\n')[0].Trim();
        return ex is ArgumentException { ParamName: { } p } && first.EndsWith($" (Parameter '{p}')", StringComparison.Ordinal)
            ? first[..^$" (Parameter '{p}')".Length]
            : first;
    }

    /// <summary>Prints "error: …" and returns <see cref="ExitCodes.BadInput"/>.</summary>
    public static int Report(TextWriter error, Exception ex) => Report(error, Describe(ex));

    public static int Report(TextWriter error, string message)
    {
        error.WriteLine($"error: {message}");
        return ExitCodes.BadInput;
    }

    /// <summary>
    /// After Ctrl-C or SIGTERM, a failure of the world the verb worked on (a local cluster's nodes killed by the
    /// provider's Ctrl-C hook, a connection closed under a command) is the interruption itself: no error line.
    /// </summary>
    public static bool IsInterruption(Exception ex, CancellationToken ct) => ct.IsCancellationRequested && (IsInputError(ex) || ex is RedisException);

    /// <summary>Runs a verb's body: input errors become one line and exit 2; once <paramref name="ct"/> is cancelled, exit 130 without one.</summary>
    public static async Task<int> GuardAsync(TextWriter error, Func<Task<int>> body, CancellationToken ct = default)
    {
        try { return await body().ConfigureAwait(false); }
        catch (Exception ex) when (IsInterruption(ex, ct)) { return ExitCodes.Interrupted; }
        catch (Exception ex) when (IsInputError(ex)) { return Report(error, ex); }
    }

    public static int Guard(TextWriter error, Func<int> body)
    {
        try { return body(); }
        catch (Exception ex) when (IsInputError(ex)) { return Report(error, ex); }
    }
}
