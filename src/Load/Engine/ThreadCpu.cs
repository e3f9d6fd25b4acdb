using System.Runtime.InteropServices;

namespace HashtagBench.Load.Engine;

/// <summary>CPU time of the calling thread (user + system), where the OS gives it per thread.</summary>
internal static partial class ThreadCpu
{
    private const int ClockThreadCputimeId = 3;

    public static bool Available { get; } = Probe();

    /// <summary>CPU seconds the calling thread has used so far; 0 where that is not measured.</summary>
    public static double Seconds()
    {
        if (!Available || ClockGettime(ClockThreadCputimeId, out Timespec t) != 0) return 0;
        return t.Sec + t.Nsec / 1e9;
    }

    private static bool Probe()
    {
        if (!OperatingSystem.IsLinux()) return false;
        try { return ClockGettime(ClockThreadCputimeId, out _) == 0; }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException) { return false; }
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct Timespec { public nint Sec; public nint Nsec; }

    [LibraryImport("libc", EntryPoint = "clock_gettime")]
    private static partial int ClockGettime(int clock, out Timespec t);
}
