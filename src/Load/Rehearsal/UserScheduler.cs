using HashtagBench.Load.Engine;
using HdrHistogram;
using System.Collections.Concurrent;
using System.Diagnostics;

namespace HashtagBench.Load.Rehearsal;

/// <summary>
/// Timers for many idle users: ONE dispatcher thread over a priority queue of (due time, item), instead of a
/// Task.Delay per user. At 30,000 waiting users most of them sleep between polls; each due item is handed to
/// <c>fire</c> on the dispatcher thread, which must only start the work (queue it) and return: the work's own
/// completion schedules the user's next item. Lateness (fired − due) goes into an HdrHistogram (µs).
/// <para>
/// Waiting: on a ManualResetEventSlim until 2 ms before the next due time (so a newly scheduled earlier item wakes
/// the dispatcher at once), then the engine's precise timer (clock_nanosleep on Linux) for the rest. It never spins.
/// </para>
/// </summary>
/// <typeparam name="T">What is due (e.g. a user and its next action).</typeparam>
public sealed class UserScheduler<T> : IDisposable
{
    private static readonly long CoarseMarginTicks = InjectorTimer.ToTicks(TimeSpan.FromMilliseconds(2));
    private static readonly TimeSpan LongestWait = TimeSpan.FromMilliseconds(200);

    private readonly Action<T, long> _fire;
    private readonly PriorityQueue<T, (long Due, long Seq)> _queue = new();   // the dispatcher's alone
    private readonly ConcurrentQueue<(long Due, T Item)> _inbox = new();
    private readonly ManualResetEventSlim _wake = new(false, spinCount: 0);
    private readonly LongHistogram _lateness = new(Stats.HighestMicros, 3);   // the dispatcher writes, read after Stop
    private long _plannedWake = long.MaxValue, _seq, _fired, _scheduled;
    private volatile bool _stopping;
    private Thread? _thread;
    private Exception? _fault;

    /// <param name="fire">Called on the dispatcher thread with each item and its due time (ticks of <see cref="Clock"/>); must not block.</param>
    /// <param name="clock">The time base of due times (started); a new one when null.</param>
    public UserScheduler(Action<T, long> fire, Stopwatch? clock = null)
    {
        _fire = fire ?? throw new ArgumentNullException(nameof(fire));
        Clock = clock ?? Stopwatch.StartNew();
    }

    /// <summary>How the dispatcher sleeps its last 2 ms on this machine (the engine's precise timer, or the 1 ms fallback).</summary>
    public static string TimerKind => InjectorTimer.Kind;

    public Stopwatch Clock { get; }
    public long NowTicks => Clock.ElapsedTicks;
    public long Fired => Interlocked.Read(ref _fired);
    public long Scheduled => Interlocked.Read(ref _scheduled);

    public static long ToTicks(double seconds) => (long)(seconds * Stopwatch.Frequency);
    public static double ToSeconds(long ticks) => ticks / (double)Stopwatch.Frequency;

    /// <summary>Schedules <paramref name="item"/> at <paramref name="dueTicks"/> (any thread). Items due at the same tick fire in the order scheduled.</summary>
    public void Schedule(long dueTicks, T item)
    {
        if (_stopping) return;
        _inbox.Enqueue((dueTicks, item));
        Interlocked.Increment(ref _scheduled);
        // Only an item earlier than the dispatcher's planned wake-up needs to wake it; the rest it drains anyway.
        if (dueTicks < Volatile.Read(ref _plannedWake)) _wake.Set();
    }

    public void Start()
    {
        if (_thread is not null) throw new InvalidOperationException("The scheduler is already started.");
        _thread = new Thread(Dispatch) { IsBackground = true, Name = "launch-dispatcher" };
        _thread.Start();
    }

    /// <summary>Stops the dispatcher and returns the items that never fired, in due order. Rethrows what <c>fire</c> threw, if anything.</summary>
    public IReadOnlyList<(long Due, T Item)> Stop()
    {
        _stopping = true;
        _wake.Set();
        _thread?.Join();
        Drain();
        var left = new List<(long, T)>(_queue.Count);
        while (_queue.TryDequeue(out T? item, out var key)) left.Add((key.Due, item));
        if (_fault is not null) throw new InvalidOperationException("A scheduled item's handler threw; the dispatcher stopped.", _fault);
        return left;
    }

    /// <summary>Lateness of every fired item in µs (a copy). Call after <see cref="Stop"/>.</summary>
    public HistogramBase Lateness
    {
        get
        {
            if (_thread is { IsAlive: true }) throw new InvalidOperationException("Read the lateness after Stop.");
            return _lateness.Copy();
        }
    }

    private void Dispatch()
    {
        InjectorTimer timer = InjectorTimer.ForCurrentThread();
        double microsPerTick = 1e6 / Stopwatch.Frequency;
        try
        {
            while (!_stopping)
            {
                _wake.Reset();
                Drain();
                long now = Clock.ElapsedTicks;
                while (!_stopping && _queue.TryPeek(out T? item, out var key) && key.Due <= now)
                {
                    _queue.Dequeue();
                    _lateness.RecordValue(Math.Min(Stats.HighestMicros, (long)((now - key.Due) * microsPerTick)));
                    _fire(item, key.Due);
                    Interlocked.Increment(ref _fired);
                    now = Clock.ElapsedTicks;
                }
                long next = _queue.TryPeek(out _, out var first) ? first.Due : long.MaxValue;
                // A full fence between publishing the wake-up and looking at the inbox: a producer either sees the
                // new wake-up time (and wakes us when earlier) or its item is already in the inbox.
                Interlocked.Exchange(ref _plannedWake, next);
                if (!_inbox.IsEmpty || _stopping) continue;
                long wait = next - Clock.ElapsedTicks;
                if (wait <= 0) continue;
                if (wait > CoarseMarginTicks)
                {
                    TimeSpan coarse = TimeSpan.FromSeconds((double)(wait - CoarseMarginTicks) / Stopwatch.Frequency);
                    _wake.Wait(coarse < LongestWait ? coarse : LongestWait);
                }
                else timer.SleepUntil(Clock, next);
            }
        }
        catch (Exception ex)
        {
            _fault = ex;
            _stopping = true;
        }
        finally { Interlocked.Exchange(ref _plannedWake, long.MinValue); }
    }

    private void Drain()
    {
        while (_inbox.TryDequeue(out var e)) _queue.Enqueue(e.Item, (e.Due, _seq++));
    }

    public void Dispose()
    {
        if (_thread is { IsAlive: true }) Stop();
        _wake.Dispose();
    }
}
