using System.Diagnostics;
using System.Runtime.InteropServices;

namespace HashtagBench.Load.Engine;

/// <summary>
/// How the injector thread waits for its next arrival. It never spins: the machine it runs on is shared with the
/// Redis servers under test, and a spinning injector would take a core from them. On Linux it sleeps to an absolute
/// CLOCK_MONOTONIC deadline with clock_nanosleep and a 1 ns timer slack (the default slack of 50 µs would be added
/// to every wake-up); elsewhere it falls back to Thread.Sleep(1), which wakes a millisecond or more late.
/// One instance per injector thread: the timer slack is a property of the thread that sets it.
/// </summary>
internal abstract partial class InjectorTimer
{
    /// <summary>Shortest time between two wake-ups of the precise timer. At high rates everything due is sent once
    /// per slot: a wake-up per arrival (every 10 µs at 100k/s) would cost more CPU than it saves lateness.</summary>
    public static readonly TimeSpan Slot = TimeSpan.FromMicroseconds(50);

    /// <summary>Longest single sleep, so a cancelled run stops within that.</summary>
    public static readonly TimeSpan MaxSleep = TimeSpan.FromMilliseconds(50);

    /// <summary>What this machine's injector uses, for the run summary.</summary>
    public static string Kind { get; } = LinuxTimer.Available
        ? $"linux clock_nanosleep (timer slack {LinuxTimer.SlackNs} ns, {Slot.TotalMicroseconds:0} µs slots)"
        : "portable Thread.Sleep(1)";

    /// <summary>True when the injector sleeps to the microsecond (Linux); false for the 1 ms fallback.</summary>
    public static bool IsPrecise => LinuxTimer.Available;

    /// <summary>Sets up the calling thread (the injector) and returns its timer.</summary>
    public static InjectorTimer ForCurrentThread() => LinuxTimer.Available ? new LinuxTimer() : new PortableTimer();

    /// <summary>Sleeps until <paramref name="clock"/> reads <paramref name="wakeTicks"/> (Stopwatch ticks), or returns at once if it already does.</summary>
    public abstract void SleepUntil(Stopwatch clock, long wakeTicks);

    /// <summary>
    /// When to wake next (ticks of the engine's clock), a pure function of the schedule: at the next arrival, but no
    /// sooner than a slot after the last wake-up (<paramref name="wokeAt"/>) and no later than MaxSleep after it.
    /// A result at or before now means "send again without sleeping": there is work due, so that is not a spin.
    /// </summary>
    public static long NextWake(long wokeAt, long nextArrival, long slotTicks, long maxSleepTicks) =>
        Math.Min(Math.Max(nextArrival, wokeAt + slotTicks), wokeAt + maxSleepTicks);

    public static long ToTicks(TimeSpan t) => (long)(t.TotalSeconds * Stopwatch.Frequency);

    /// <summary>The 1 ms fallback: Thread.Sleep(0) would spin, so never less than a whole millisecond.</summary>
    private sealed class PortableTimer : InjectorTimer
    {
        public override void SleepUntil(Stopwatch clock, long wakeTicks)
        {
            long wait = wakeTicks - clock.ElapsedTicks;
            if (wait <= 0) return;
            Thread.Sleep(Math.Clamp((int)(wait * 1000 / Stopwatch.Frequency), 1, (int)MaxSleep.TotalMilliseconds));
        }
    }

    private sealed partial class LinuxTimer : InjectorTimer
    {
        public const ulong SlackNs = 1;
        private const int ClockMonotonic = 1, TimerAbstime = 1, Eintr = 4, PrSetTimerslack = 29, PrGetTimerslack = 30;

        public static bool Available { get; } = Probe();

        public LinuxTimer()
        {
            // Without it the kernel may defer each wake-up by the default 50 µs slack to batch timers.
            if (Prctl(PrSetTimerslack, (nuint)SlackNs, 0, 0, 0) != 0)
                throw new InvalidOperationException($"prctl(PR_SET_TIMERSLACK) failed: errno {Marshal.GetLastPInvokeError()}.");
        }

        public override void SleepUntil(Stopwatch clock, long wakeTicks)
        {
            // The engine's clock is a Stopwatch; map the wake-up onto CLOCK_MONOTONIC by reading both back to back
            // rather than assuming they are the same clock (on Linux they are, but this costs 20 ns to not depend on it).
            long wait = wakeTicks - clock.ElapsedTicks;
            if (wait <= 0) return;
            Timespec now = Monotonic();
            long deadline = now.Sec * 1_000_000_000L + now.Nsec + (long)(wait * (1e9 / Stopwatch.Frequency));
            var ts = new Timespec { Sec = (nint)(deadline / 1_000_000_000L), Nsec = (nint)(deadline % 1_000_000_000L) };
            // An absolute deadline: a signal that interrupts the sleep (EINTR) just sleeps again to the same instant.
            while (ClockNanosleep(ClockMonotonic, TimerAbstime, in ts, 0) == Eintr) { }
        }

        private static Timespec Monotonic() =>
            ClockGettime(ClockMonotonic, out Timespec t) == 0 ? t : throw new InvalidOperationException("clock_gettime(CLOCK_MONOTONIC) failed.");

        private static bool Probe()
        {
            if (!OperatingSystem.IsLinux()) return false;
            try
            {
                // PR_GET_TIMERSLACK only reads this thread's slack: a harmless check that prctl is there and allowed.
                return ClockGettime(ClockMonotonic, out _) == 0 && Prctl(PrGetTimerslack, 0, 0, 0, 0) >= 0;
            }
            catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException) { return false; }
        }

        [StructLayout(LayoutKind.Sequential)]
        private struct Timespec { public nint Sec; public nint Nsec; }

        [LibraryImport("libc", EntryPoint = "clock_gettime")]
        private static partial int ClockGettime(int clock, out Timespec t);

        // Returns the error number itself (it does not set errno).
        [LibraryImport("libc", EntryPoint = "clock_nanosleep")]
        private static partial int ClockNanosleep(int clock, int flags, in Timespec request, nint remain);

        // prctl is variadic; every argument here is an integer register, which the variadic convention passes the same way.
        [LibraryImport("libc", EntryPoint = "prctl", SetLastError = true)]
        private static partial int Prctl(int option, nuint arg2, nuint arg3, nuint arg4, nuint arg5);
    }
}
