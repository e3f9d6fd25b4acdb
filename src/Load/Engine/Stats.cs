using HdrHistogram;
using System.Collections.Concurrent;
using System.Runtime.CompilerServices;

namespace HashtagBench.Load.Engine;

/// <summary>
/// Latency percentiles in milliseconds, read from an HdrHistogram recorded in microseconds. With no calls
/// (<see cref="Count"/> 0, <see cref="IsEmpty"/>) there is no latency: every printed form says "n/a" (an empty cell
/// in CSV), never 0.
/// </summary>
public sealed record Percentiles(long Count, double P50, double P75, double P95, double P99, double P999, double Max, double Mean)
{
    public static Percentiles Empty { get; } = new(0, 0, 0, 0, 0, 0, 0, 0);

    public const string NotAvailable = "n/a";

    /// <summary>No call was measured: the numbers are placeholders, not latencies.</summary>
    public bool IsEmpty => Count == 0;

    /// <summary><paramref name="value"/> (one of this record's) formatted, or <paramref name="ifEmpty"/> ("n/a") when there were no calls.</summary>
    public string Show(double value, string format = "0.00", string ifEmpty = NotAvailable) =>
        IsEmpty ? ifEmpty : value.ToString(format, System.Globalization.CultureInfo.InvariantCulture);

    public static Percentiles From(HistogramBase h) => h.TotalCount == 0
        ? Empty
        : new(h.TotalCount, Ms(h.GetValueAtPercentile(50)), Ms(h.GetValueAtPercentile(75)), Ms(h.GetValueAtPercentile(95)),
            Ms(h.GetValueAtPercentile(99)), Ms(h.GetValueAtPercentile(99.9)), Ms(h.GetMaxValue()), h.GetMean() / 1000.0);

    private static double Ms(long micros) => micros / 1000.0;
}

/// <summary>
/// One interval of the run (a second; the last one is whatever was left after the final full second).
/// <paramref name="Second"/> is when it ended, <paramref name="Length"/> how long it was, both in seconds.
/// <paramref name="Rps"/> counts every outcome (what the engine drove); <see cref="OkRps"/> only the served calls.
/// </summary>
public sealed record IntervalStats(double Second, double Length, long Ok, long Fail, double Rps, Percentiles OkLatency, IReadOnlyDictionary<string, long> ErrorsByKind)
{
    /// <summary>Latency of every outcome in the interval (ok, failed, refused), from each call's intended start; empty with no calls.</summary>
    public Percentiles AllLatency { get; init; } = Percentiles.Empty;

    /// <summary>Ok calls per second: what was actually served.</summary>
    public double OkRps => Ok / Math.Max(Length, 1e-9);

    /// <summary>Shorter than half a second: too short for its rate to mean much, so charts leave it out.</summary>
    public bool IsPartial => Length < 0.5;
}

/// <summary>
/// Thread-safe recording: HdrHistogram recorders (µs, 3 significant digits) for Ok and Fail, for the injector's
/// lateness (when each open-model call was sent minus when it was due: the harness's own error), error counts by
/// kind, and a per-second timeline. Every interval histogram also goes to an HdrHistogram log, tagged ok, fail or
/// lateness, so the logs of several load agents merge exactly.
/// </summary>
public sealed class Stats : IDisposable
{
    public const long HighestMicros = 3_600_000_000; // an hour: anything slower is a hung run, not a latency
    private static HistogramBase NewHistogram() => new LongHistogram(HighestMicros, 3);

    private readonly Recorder _ok = NewRecorder();
    private readonly Recorder _fail = NewRecorder();
    private readonly Recorder _lateness = NewRecorder();
    private readonly Recorder _fromSend = NewRecorder();
    // Running counts per error kind, only ever incremented; an interval's counts are the difference from the
    // previous tick's snapshot, so no increment can fall between two intervals and the totals stay exact.
    private readonly ConcurrentDictionary<string, StrongBox<long>> _errors = new();
    private Dictionary<string, long> _errorsAtTick = [];
    private readonly Lock _failLock = new();
    private readonly ConcurrentDictionary<string, string> _errorSamples = new();
    private readonly HistogramLogWriter? _log;
    private readonly DateTime _start = DateTime.UtcNow;
    private HistogramBase? _okInterval, _failInterval, _latenessInterval, _fromSendInterval;

    public Stats(Stream? histogramLog)
    {
        if (histogramLog is null) return;
        _log = new HistogramLogWriter(histogramLog);
        _log.Write(_start);
    }

    public HistogramBase OkTotal { get; } = NewHistogram();
    public HistogramBase FailTotal { get; } = NewHistogram();
    /// <summary>Every outcome (Ok and Fail, refused calls included), as of the last tick.</summary>
    public HistogramBase AllTotal { get; } = NewHistogram();
    /// <summary>Injector lateness in µs, one value per open-model call (closed-model calls have no schedule to be late for).</summary>
    public HistogramBase LatenessTotal { get; } = NewHistogram();
    /// <summary>Ok latency in µs from each call's actual send, beside the intended-start one: their gap is the wait before the send.</summary>
    public HistogramBase FromSendTotal { get; } = NewHistogram();
    public List<IntervalStats> Timeline { get; } = [];
    /// <summary>Failures by kind, as of the last tick.</summary>
    public IReadOnlyDictionary<string, long> ErrorsByKind => _errorsAtTick;
    /// <summary>One message per error kind, for the report.</summary>
    public IReadOnlyDictionary<string, string> ErrorSamples => _errorSamples;

    // Calls complete on many thread-pool threads at once. A Recorder only keeps its interval swap safe; the histogram
    // under it must take concurrent writers itself: LongHistogram's count++ lost a call now and then when two
    // completions raced (most often on a busy machine, where a writer is preempted mid-increment).
    private static Recorder NewRecorder() => new(1, HighestMicros, 3, (id, low, high, digits) => new LongConcurrentHistogram(id, low, high, digits));

    public void Record(in Response r, long micros)
    {
        long v = Math.Clamp(micros, 1, HighestMicros);
        if (r.IsOk) { _ok.RecordValue(v); return; }
        // The failure and its kind are counted together: a tick between the two would put the failure in one
        // interval and its kind in another, and the last tick would then count kinds its failures never reached.
        lock (_failLock)
        {
            _fail.RecordValue(v);
            Interlocked.Increment(ref _errors.GetOrAdd(r.Status, static _ => new StrongBox<long>()).Value);
        }
        if (r.Message is not null) _errorSamples.TryAdd(r.Status, r.Message);
    }

    /// <summary>Records how late (µs) the injector sent an open-model call; 0 is on time.</summary>
    public void RecordLateness(long micros) => _lateness.RecordValue(Math.Clamp(micros, 0, HighestMicros));

    /// <summary>Records an Ok call's latency (µs) from its actual send. Not written to the log: merged logs have no decomposition.</summary>
    public void RecordFromSend(long micros) => _fromSend.RecordValue(Math.Clamp(micros, 1, HighestMicros));

    /// <summary>Closes the current interval: adds it to the totals, the timeline and the log.</summary>
    public IntervalStats Tick(double second, double intervalSeconds)
    {
        _okInterval = _ok.GetIntervalHistogram(_okInterval);
        _latenessInterval = _lateness.GetIntervalHistogram(_latenessInterval);
        _fromSendInterval = _fromSend.GetIntervalHistogram(_fromSendInterval);
        Dictionary<string, long> totals;
        lock (_failLock)
        {
            _failInterval = _fail.GetIntervalHistogram(_failInterval);
            totals = _errors.ToDictionary(e => e.Key, e => Interlocked.Read(ref e.Value.Value));
        }
        Dictionary<string, long> errors = totals.Select(e => (e.Key, N: e.Value - _errorsAtTick.GetValueOrDefault(e.Key)))
            .Where(e => e.N > 0).ToDictionary(e => e.Key, e => e.N);
        _errorsAtTick = totals;
        OkTotal.Add(_okInterval);
        FailTotal.Add(_failInterval);
        HistogramBase all = _okInterval.Copy();
        all.Add(_failInterval);
        AllTotal.Add(all);
        LatenessTotal.Add(_latenessInterval);
        FromSendTotal.Add(_fromSendInterval);
        if (_log is not null)
        {
            _okInterval.Tag = HistogramLogs.OkTag;
            _failInterval.Tag = HistogramLogs.FailTag;
            _latenessInterval.Tag = HistogramLogs.LatenessTag;
            if (_okInterval.TotalCount > 0) _log.Append(_okInterval);
            if (_failInterval.TotalCount > 0) _log.Append(_failInterval);
            if (_latenessInterval.TotalCount > 0) _log.Append(_latenessInterval);
        }
        var s = new IntervalStats(second, intervalSeconds, _okInterval.TotalCount, _failInterval.TotalCount,
            (_okInterval.TotalCount + _failInterval.TotalCount) / Math.Max(intervalSeconds, 1e-9), Percentiles.From(_okInterval), errors)
        {
            AllLatency = Percentiles.From(all),
        };
        Timeline.Add(s);
        return s;
    }

    /// <summary>Throws away what was recorded so far (the warm-up). Call it with nothing in flight.</summary>
    public void Discard()
    {
        _okInterval = _ok.GetIntervalHistogram(_okInterval);
        _latenessInterval = _lateness.GetIntervalHistogram(_latenessInterval);
        _fromSendInterval = _fromSend.GetIntervalHistogram(_fromSendInterval);
        lock (_failLock)
        {
            _failInterval = _fail.GetIntervalHistogram(_failInterval);
            _errors.Clear();
        }
        _errorSamples.Clear();
    }

    public void Dispose() => _log?.Dispose();
}
