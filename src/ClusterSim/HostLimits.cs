using System.Globalization;

namespace HashtagBench.ClusterSim;

/// <summary>
/// What this machine can hold and how long a simulation may run, so that a size it cannot run is refused before any
/// work (a <see cref="SimInputException"/>: one line, exit 2) instead of ending in an out-of-memory kill or running
/// for months. The simulators' per-item byte costs sit beside the arrays they size.
/// </summary>
internal static class HostLimits
{
    /// <summary>Longest simulation accepted: a longer one is not something anyone waits for.</summary>
    public static readonly TimeSpan MaxRunTime = TimeSpan.FromHours(24);

    /// <summary>
    /// Memory this process may use: the machine's RAM, or its container's limit, or the GC's heap limit
    /// (DOTNET_GCHeapHardLimit), whichever is lowest; the GC reads it at start-up.
    /// </summary>
    public static long MemoryBytes => GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;

    /// <summary>Simulation work spreads over at most this many threads.</summary>
    public static int Cores => Environment.ProcessorCount;

    public static string Bytes(double bytes) => bytes >= 1 << 30
        ? string.Create(CultureInfo.InvariantCulture, $"{bytes / (1 << 30):N1} GB")
        : string.Create(CultureInfo.InvariantCulture, $"{bytes / (1 << 20):N0} MB");

    /// <summary>A duration in seconds (possibly beyond <see cref="TimeSpan.MaxValue"/>) in the unit a reader takes in.</summary>
    public static string Duration(double seconds) => seconds >= 2 * 86400 ? string.Create(CultureInfo.InvariantCulture, $"{seconds / 86400:N0} days")
        : seconds >= 3600 ? string.Create(CultureInfo.InvariantCulture, $"{seconds / 3600:N1} hours")
        : seconds >= 60 ? string.Create(CultureInfo.InvariantCulture, $"{seconds / 60:N0} minutes")
        : string.Create(CultureInfo.InvariantCulture, $"{seconds:N1} s");

    /// <summary>Throws <see cref="OperationCanceledException"/> every 2^14 iterations of a hot loop: one branch per iteration, a stop within milliseconds.</summary>
    internal static void Check(long iteration, CancellationToken ct)
    {
        if ((iteration & 0x3FFF) == 0) ct.ThrowIfCancellationRequested();
    }
}
