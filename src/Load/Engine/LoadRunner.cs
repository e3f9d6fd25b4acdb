using HashtagBench.Contracts;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace HashtagBench.Load.Engine;

/// <summary>The numbers of a finished run.</summary>
public sealed record RunSummary(string Scenario, DateTime StartedUtc, double Seconds, double TargetRps, long OkCount, long FailCount,
    double Rps, Percentiles Ok, Percentiles Fail, IReadOnlyDictionary<string, long> ErrorsByKind, IReadOnlyDictionary<string, string> ErrorSamples,
    IReadOnlyList<IntervalStats> Timeline, IReadOnlyList<ThresholdResult> Thresholds, string StopReason)
{
    public long Total => OkCount + FailCount;
    public double FailPercent => Total == 0 ? 0 : 100.0 * FailCount / Total;

    /// <summary>
    /// The rule set passed, and the run measured something and was not interrupted: a run that recorded no call, or
    /// one stopped by Ctrl-C/SIGTERM, never passes, whatever its thresholds say.
    /// </summary>
    public bool ThresholdsPassed => !Interrupted && !MeasuredNothing && Thresholds.All(t => t.Pass);

    /// <summary>
    /// Latency of every outcome (Ok, failed and refused calls alike), from each call's intended start, in ms. Beside
    /// <see cref="Ok"/>, it shows what an outage cost the callers whose calls failed or waited.
    /// </summary>
    public Percentiles All { get; init; } = Percentiles.Empty;

    /// <summary>Ok calls per second of the measured run: what was served. <see cref="Rps"/> counts every outcome (what the engine drove).</summary>
    public double OkRps => OkCount / Math.Max(Seconds, 1e-9);

    /// <summary>Stopped by the caller (Ctrl-C, SIGTERM) before its phases ended: its numbers cover part of the run only.</summary>
    public bool Interrupted => StopReason == CancelledReason;

    /// <summary>The measured phase recorded no call at all: nothing to pass on.</summary>
    public bool MeasuredNothing => Total == 0;

    public const string CancelledReason = "cancelled";

    /// <summary>The threshold-like check every run gets when it recorded no call: it always fails.</summary>
    public const string MeasuredNothingCheck = "measured calls > 0";

    /// <summary>
    /// How late the injector sent each open-model call (actual send minus intended start), in ms like the other
    /// percentiles: the harness's own measurement error, already included in every Ok/Fail latency. Empty for a
    /// closed-model run, whose calls have no schedule to be late for.
    /// </summary>
    public Percentiles Lateness { get; init; } = Percentiles.Empty;

    /// <summary>CPU seconds the injector thread used per second of the measured run (1 = a whole core); null where the OS does not say.</summary>
    public double? InjectorCpu { get; init; }

    /// <summary>Ok latency from each call's actual send, in ms: beside <see cref="Ok"/> (from the intended start), the gap is the wait before the send.</summary>
    public Percentiles FromSend { get; init; } = Percentiles.Empty;

    /// <summary>Redis's time per command over the run (INFO commandstats); null when nobody read it (no cluster, or the read failed).</summary>
    public IReadOnlyList<ServerCommandTime>? Server { get; init; }

    /// <summary>Redis's execution time per call in ms (a mean, from <see cref="Server"/>); null when there is none.</summary>
    public double? ServerMsPerCall { get; init; }

    /// <summary>How the injector waits for its arrivals, e.g. "linux clock_nanosleep (timer slack 1 ns, 50 µs slots)".</summary>
    public string Injector { get; init; } = LoadRunner.InjectorKind;

    /// <summary>When the measured phase began (the zero of the timeline's seconds); null when it never did.</summary>
    public DateTime? MeasuredStartUtc { get; init; }

    /// <summary>
    /// Every arrival of the measured open-model schedule: sent, or dropped with its reason. None scheduled for a
    /// closed model. Null only for a merge of older files that did not record it.
    /// </summary>
    public ArrivalCounts? Arrivals { get; init; }

    /// <summary>
    /// True when the harness's error is large enough to matter: see <see cref="IsHarnessLimited"/>. Latencies (and
    /// thresholds on them) of such a run say as much about the load generator as about Redis.
    /// </summary>
    public bool HarnessLimited => IsHarnessLimited(Lateness, Ok);

    /// <summary>Injector lateness p99 above this (ms) makes a run harness-limited, whatever Redis measured.</summary>
    public const double HarnessLimitMs = 0.2;

    /// <summary>
    /// Harness-limited: the injector's p99 lateness exceeds <see cref="HarnessLimitMs"/>, or a tenth of the Ok p50
    /// (the harness then adds 10% or more to a typical call). With no Ok calls only the absolute bound applies.
    /// </summary>
    public static bool IsHarnessLimited(Percentiles lateness, Percentiles ok) =>
        lateness.Count > 0 && (lateness.P99 > HarnessLimitMs || (ok.Count > 0 && lateness.P99 > ok.P50 / 10));
}

/// <summary>Where a run reports progress: a live display on a terminal, plain lines otherwise.</summary>
public interface IProgressSink
{
    void Interval(string scenario, IntervalStats s, double elapsed, double total);
}

/// <summary>
/// Runs a scenario's phases. Open-model latency is measured from each invocation's intended start time (as wrk2
/// does), so a stall delays the schedule's later arrivals and shows up in their latency instead of hiding.
/// Every run ends by itself: at the end of its phases, at MaxInvocations, or at a hard deadline.
/// </summary>
public sealed class LoadRunner(Scenario scenario, IReadOnlyList<Threshold>? thresholds = null, IProgressSink? progress = null, Stream? histogramLog = null)
{
    private long _invocations;
    private long _inFlight;
    private long _sent; // open-model arrivals sent while recording
    private readonly long[] _dropped = new long[DropReasons.Length]; // ... and dropped, by reason (DropReasons' order)
    private readonly Stopwatch _clock = new();
    private Stats _stats = null!;
    private volatile bool _recording;
    private long _injectorCpuNanos; // CPU the injector threads used while recording
    private DateTime? _measuredStartUtc;
    private readonly Func<ScenarioContext, ValueTask<Response>> _call = scenario.Call;
    private readonly ConcurrentQueue<OpenCall> _idleCalls = new(); // open-model calls' state, reused

    /// <summary>How this machine's injector waits for arrivals: the precise Linux timer, or the portable 1 ms sleep.</summary>
    public static string InjectorKind => InjectorTimer.Kind;

    private static readonly string[] DropReasons = [ArrivalCounts.LateInjector, ArrivalCounts.InFlightCap, ArrivalCounts.EndOfPhase, ArrivalCounts.InvocationCap];
    private const int LateInjector = 0, InFlightCap = 1, EndOfPhase = 2, InvocationCap = 3;

    private static long Micros(long ticks) => ticks * 1_000_000 / Stopwatch.Frequency;

    public async Task<RunSummary> RunAsync(CancellationToken ct = default)
    {
        if (scenario.Simulations.Count == 0) throw new InvalidOperationException($"Scenario '{scenario.Name}' has no load simulations.");
        EnsureWorkerThreads();
        using var stats = new Stats(histogramLog);
        _stats = stats;
        // Hard bound: the phases plus warm-up plus a grace period for in-flight calls, whatever the scenario does.
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(scenario.TotalDuration + scenario.WarmUp + TimeSpan.FromSeconds(30));
        CancellationToken token = deadline.Token;

        if (scenario.Init is not null) await scenario.Init(token).ConfigureAwait(false);
        DateTime started = DateTime.UtcNow;
        string stop = "completed";
        _clock.Start();
        try
        {
            if (scenario.WarmUp > TimeSpan.Zero)
            {
                LoadSimulation first = scenario.Simulations[0] with { During = scenario.WarmUp };
                await RunPhaseAsync(first, 0, 0, null, token).ConfigureAwait(false);
                await DrainAsync(token).ConfigureAwait(false);
                stats.Discard();
            }
            _recording = true;
            double measuredStart = _clock.Elapsed.TotalSeconds;
            _measuredStartUtc = started.AddSeconds(measuredStart);
            using var ticker = new CancellationTokenSource();
            Task ticks = TickAsync(measuredStart, ticker.Token);
            double prevRate = 0;
            int prevCopies = 0;
            foreach (LoadSimulation sim in scenario.Simulations)
            {
                // A phase the run never reached still had its arrivals: each is counted as dropped, not forgotten.
                if (token.IsCancellationRequested) DropPhase(sim, prevRate, EndOfPhase);
                else if (Interlocked.Read(ref _invocations) >= scenario.MaxInvocations) DropPhase(sim, prevRate, InvocationCap);
                else await RunPhaseAsync(sim, prevRate, prevCopies, measuredStart, token).ConfigureAwait(false);
                if (sim is InjectSim i) prevRate = i.PerSecond;
                if (sim is ConstantSim c) prevCopies = c.Copies;
            }
            await DrainAsync(token).ConfigureAwait(false);
            ticker.Cancel();
            await ticks.ConfigureAwait(false);
            double seconds = _clock.Elapsed.TotalSeconds - measuredStart;
            if (Interlocked.Read(ref _invocations) >= scenario.MaxInvocations) stop = $"reached {scenario.MaxInvocations} invocations";
            if (deadline.IsCancellationRequested) stop = ct.IsCancellationRequested ? RunSummary.CancelledReason : "deadline";
            stats.Tick(seconds, seconds - (stats.Timeline.Count > 0 ? stats.Timeline[^1].Second : 0));
            return Summarise(started, seconds, stop);
        }
        finally
        {
            _clock.Stop();
            if (scenario.Clean is not null) await scenario.Clean(CancellationToken.None).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Raises the thread pool's floor. Below the floor a blocked pool grows by about one thread per 500 ms, so a burst
    /// of continuations (replies arriving, the end of a phase) can wait that long for a thread, and that wait would be
    /// charged to the system under test. StackExchange.Redis's own timeout guide gives the same advice.
    /// </summary>
    private static void EnsureWorkerThreads()
    {
        ThreadPool.GetMinThreads(out int workers, out int io);
        int floor = Math.Max(32, 8 * Environment.ProcessorCount);
        if (workers < floor) ThreadPool.SetMinThreads(floor, Math.Max(io, floor));
    }

    private RunSummary Summarise(DateTime started, double seconds, string stop)
    {
        var raw = new RunSummary(scenario.Name, started, seconds, scenario.TargetRps, _stats.OkTotal.TotalCount, _stats.FailTotal.TotalCount,
            (_stats.OkTotal.TotalCount + _stats.FailTotal.TotalCount) / Math.Max(seconds, 1e-9),
            Percentiles.From(_stats.OkTotal), Percentiles.From(_stats.FailTotal), _stats.ErrorsByKind.ToDictionary(),
            _stats.ErrorSamples.ToDictionary(), _stats.Timeline.ToList(), [], stop)
        {
            All = Percentiles.From(_stats.AllTotal),
            Lateness = Percentiles.From(_stats.LatenessTotal),
            FromSend = Percentiles.From(_stats.FromSendTotal),
            InjectorCpu = ThreadCpu.Available ? Interlocked.Read(ref _injectorCpuNanos) / 1e9 / Math.Max(seconds, 1e-9) : null,
            Injector = InjectorKind,
            MeasuredStartUtc = _measuredStartUtc,
            Arrivals = new ArrivalCounts(Interlocked.Read(ref _sent),
                Enumerable.Range(0, DropReasons.Length).Where(i => Interlocked.Read(ref _dropped[i]) > 0).ToDictionary(i => DropReasons[i], i => Interlocked.Read(ref _dropped[i]))),
        };
        return Judge(raw, thresholds);
    }

    /// <summary>A run's numbers judged by <paramref name="thresholds"/> (a merge of load agents judges its merged run the same way).</summary>
    public static RunSummary Judge(RunSummary raw, IReadOnlyList<Threshold>? thresholds)
    {
        List<ThresholdResult> checks = (thresholds ?? []).Select(t => t.Evaluate(raw)).ToList();
        // A run that measured nothing fails visibly, as a check of its own, even with no thresholds given.
        if (raw.MeasuredNothing) checks.Add(new ThresholdResult(RunSummary.MeasuredNothingCheck, 0, 0, false) { HarnessLimited = raw.HarnessLimited });
        return raw with { Thresholds = checks };
    }

    private async Task TickAsync(double measuredStart, CancellationToken stop)
    {
        double last = 0;
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        try
        {
            while (await timer.WaitForNextTickAsync(stop).ConfigureAwait(false))
            {
                double now = _clock.Elapsed.TotalSeconds - measuredStart;
                IntervalStats s = _stats.Tick(now, now - last);
                last = now;
                progress?.Interval(scenario.Name, s, now, scenario.TotalDuration.TotalSeconds);
            }
        }
        catch (OperationCanceledException) { /* the run ended */ }
    }

    private Task RunPhaseAsync(LoadSimulation sim, double prevRate, int prevCopies, double? measuredStart, CancellationToken ct) => sim switch
    {
        InjectSim i => InjectAsync(i, prevRate, ct),
        ConstantSim c => ConstantAsync(c, prevCopies, ct),
        PauseSim p => DelayQuietly(p.During, ct),
        _ => throw new InvalidOperationException($"Unknown load simulation {sim}."),
    };

    /// <summary>
    /// Open model: arrivals on a precomputed schedule, launched by a dedicated thread that sends everything due at
    /// each wake-up. Not the thread pool: Task.Delay waits for the timer queue (several ms on a busy machine) and a
    /// sub-millisecond Task.Delay completes at once, which turns the wait into a busy spin that takes a core from the
    /// system under test. The thread sleeps to each arrival with <see cref="InjectorTimer"/> (to the microsecond on
    /// Linux, in whole ms elsewhere) and never spins. Whatever lateness is left is charged to latency by the
    /// intended-start correction, as in wrk2, and recorded on its own as the harness's error.
    /// </summary>
    private Task InjectAsync(InjectSim sim, double fromRate, CancellationToken ct)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                bool measured = _recording; // the warm-up's CPU is not the run's
                double cpu = ThreadCpu.Seconds();
                Schedule(sim, fromRate, ct);
                if (measured) Interlocked.Add(ref _injectorCpuNanos, (long)((ThreadCpu.Seconds() - cpu) * 1e9));
                done.SetResult();
            }
            catch (Exception ex) { done.SetException(ex); }
        })
        { IsBackground = true, Name = $"inject {scenario.Name}" };
        thread.Start();
        return done.Task;
    }

    private void Schedule(InjectSim sim, double fromRate, CancellationToken ct)
    {
        InjectorTimer timer = InjectorTimer.ForCurrentThread();
        long slot = InjectorTimer.ToTicks(InjectorTimer.Slot), maxSleep = InjectorTimer.ToTicks(InjectorTimer.MaxSleep);
        long phaseStart = _clock.ElapsedTicks;
        double length = sim.During.TotalSeconds;
        long k = 1; // the next arrival: every one before it was sent or dropped
        double offset = sim.ArrivalTime(k, fromRate); // seconds into the phase of the next arrival
        while (true)
        {
            long wokeAt = _clock.ElapsedTicks;
            double now = (double)(wokeAt - phaseStart) / Stopwatch.Frequency;
            if (ct.IsCancellationRequested)
            {
                // Stopped early: arrivals already due were owed by an injector behind its schedule; the rest never came.
                long due = sim.ArrivalsBefore(Math.BitIncrement(now), fromRate);
                Drop(LateInjector, scenario.Slice.OwnedIn(k, due));
                Drop(EndOfPhase, scenario.Slice.OwnedIn(Math.Max(k, due + 1), sim.ArrivalsBefore(length, fromRate)));
                return;
            }
            for (; offset <= now && offset < length; offset = sim.ArrivalTime(++k, fromRate))
            {
                if (!scenario.Slice.Owns(k)) continue; // another load agent sends this arrival
                long n = Interlocked.Increment(ref _invocations);
                if (n > scenario.MaxInvocations)
                {
                    Drop(InvocationCap, scenario.Slice.OwnedIn(k, sim.ArrivalsBefore(length, fromRate)));
                    return;
                }
                Send(phaseStart + (long)(offset * Stopwatch.Frequency), n, ct);
            }
            // A phase with no arrivals left (or none at all) still lasts its full length.
            if (now >= length) return;
            long next = phaseStart + (long)(Math.Min(offset, length) * Stopwatch.Frequency);
            timer.SleepUntil(_clock, InjectorTimer.NextWake(wokeAt, next, slot, maxSleep));
        }
    }

    /// <summary>
    /// Sends one open-model arrival now (intended at <paramref name="intendedTicks"/>), from the injector's thread. No
    /// async state machine per call: the call's state lives in a pooled <see cref="OpenCall"/> (one per call in
    /// flight, reused), so the engine's per-call path allocates nothing (bench/EngineBenchmarks' MemoryDiagnoser row).
    /// </summary>
    internal void Send(long intendedTicks, long invocation, CancellationToken ct)
    {
        if (Interlocked.Increment(ref _inFlight) > scenario.MaxInFlight)
        {
            // Never sent: the harness's own cap, not the server's answer. Dropped and counted, as k6 drops an
            // iteration that finds no free VU; a failure here would charge the cluster with the harness's limit.
            Interlocked.Decrement(ref _inFlight);
            Drop(InFlightCap, 1);
            return;
        }
        // The harness's own error: how long after its intended start this call is actually sent.
        long sentTicks = _clock.ElapsedTicks;
        if (_recording)
        {
            _stats.RecordLateness(Micros(sentTicks - intendedTicks));
            Interlocked.Increment(ref _sent);
        }
        if (!_idleCalls.TryDequeue(out OpenCall? call)) call = new OpenCall(this);
        call.Start(intendedTicks, sentTicks, invocation, ct);
    }

    /// <summary>
    /// One open-model call in flight: its times, and the scenario's pending answer. When the answer is in it records
    /// the call and goes back to the pool. Its completion callback is made once per instance, not once per call.
    /// </summary>
    private sealed class OpenCall
    {
        private readonly LoadRunner _runner;
        private readonly Action _onCompleted;
        private ConfiguredValueTaskAwaitable<Response>.ConfiguredValueTaskAwaiter _pending;
        private long _intendedTicks, _sentTicks;
        private CancellationToken _ct;

        public OpenCall(LoadRunner runner)
        {
            _runner = runner;
            _onCompleted = OnCompleted;
        }

        public void Start(long intendedTicks, long sentTicks, long invocation, CancellationToken ct)
        {
            (_intendedTicks, _sentTicks, _ct) = (intendedTicks, sentTicks, ct);
            ConfiguredValueTaskAwaitable<Response>.ConfiguredValueTaskAwaiter pending;
            try { pending = _runner._call(new ScenarioContext(invocation, ct)).ConfigureAwait(false).GetAwaiter(); }
            catch (Exception ex) { Finish(Failure(ex, ct)); return; }
            if (pending.IsCompleted) { Finish(Result(pending, ct)); return; }
            _pending = pending;
            // Unsafe: no ExecutionContext to capture and restore per call (the engine flows none of its own).
            pending.UnsafeOnCompleted(_onCompleted);
        }

        private void OnCompleted()
        {
            var pending = _pending;
            _pending = default;
            Finish(Result(pending, _ct));
        }

        private void Finish(in Response r)
        {
            // Coordinated-omission correction: from when the call should have started, not when it did. The latency
            // from the actual send is kept beside it, only to take the latency apart.
            long doneTicks = _runner._clock.ElapsedTicks;
            _runner.Record(r, Micros(doneTicks - _intendedTicks), Micros(doneTicks - _sentTicks));
            _ct = default;
            // Back in the pool before the in-flight count drops: a drain that sees 0 in flight sees every call returned.
            _runner._idleCalls.Enqueue(this);
            Interlocked.Decrement(ref _runner._inFlight);
        }
    }

    private static Response Result(ConfiguredValueTaskAwaitable<Response>.ConfiguredValueTaskAwaiter pending, CancellationToken ct)
    {
        try { return pending.GetResult(); }
        catch (Exception ex) { return Failure(ex, ct); }
    }

    /// <summary>A scenario that throws is a failure with a kind, never a crashed run.</summary>
    private static Response Failure(Exception ex, CancellationToken ct) =>
        ex is OperationCanceledException && ct.IsCancellationRequested
            ? Response.Fail("client.cancelled")
            : Response.Fail($"exception.{ex.GetType().Name}", ex.Message);

    /// <summary>Counts <paramref name="n"/> arrivals of the measured schedule as never sent, for <paramref name="reason"/> (an index of <see cref="DropReasons"/>).</summary>
    private void Drop(int reason, long n)
    {
        if (_recording && n > 0) Interlocked.Add(ref _dropped[reason], n);
    }

    /// <summary>A whole phase the run never ran: all of this process's arrivals in it are dropped.</summary>
    private void DropPhase(LoadSimulation sim, double fromRate, int reason)
    {
        if (sim is InjectSim i) Drop(reason, scenario.Slice.OwnedIn(1, i.ArrivalsBefore(i.During.TotalSeconds, fromRate)));
    }

    /// <summary>Closed model: copies loop back to back; a copy above the current target count idles.</summary>
    private async Task ConstantAsync(ConstantSim sim, int fromCopies, CancellationToken ct)
    {
        double phaseStart = _clock.Elapsed.TotalSeconds;
        double length = sim.During.TotalSeconds;
        int workers = Math.Max(sim.Copies, fromCopies);
        await Task.WhenAll(Enumerable.Range(0, workers).Select(id => Task.Run(async () =>
        {
            while (!ct.IsCancellationRequested)
            {
                double t = _clock.Elapsed.TotalSeconds - phaseStart;
                if (t >= length) return;
                if (id >= sim.CopiesAt(t, fromCopies)) { await DelayQuietly(TimeSpan.FromMilliseconds(5), ct).ConfigureAwait(false); continue; }
                if (!await ClosedCallAsync(ct).ConfigureAwait(false)) return;
            }
        }, CancellationToken.None))).ConfigureAwait(false);
    }

    /// <summary>
    /// One closed-model call, sent now and timed from its send; false (nothing sent) once the run's invocation cap is
    /// reached. A pooled ValueTask: a copy's loop awaits one per call and allocates nothing for it.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    internal async ValueTask<bool> ClosedCallAsync(CancellationToken ct)
    {
        long n = Interlocked.Increment(ref _invocations);
        if (n > scenario.MaxInvocations) return false;
        long start = _clock.ElapsedTicks;
        Response r;
        try { r = await _call(new ScenarioContext(n, ct)).ConfigureAwait(false); }
        catch (Exception ex) { r = Failure(ex, ct); }
        long micros = Micros(_clock.ElapsedTicks - start);
        Record(r, micros, micros); // a closed-model call starts when it is sent
        return true;
    }

    /// <summary>
    /// For bench/EngineBenchmarks: records from now on, as the measured phase does, into fresh statistics (returned;
    /// the caller disposes them) with the clock running.
    /// </summary>
    internal Stats StartRecordingForBenchmark()
    {
        _stats = new Stats(null);
        _clock.Start();
        _recording = true;
        return _stats;
    }

    /// <summary>For bench/EngineBenchmarks: the engine's clock now, in its ticks.</summary>
    internal long NowTicks => _clock.ElapsedTicks;

    private void Record(in Response r, long micros, long? fromSendMicros = null)
    {
        if (!_recording) return;
        _stats.Record(r, micros);
        if (r.IsOk && fromSendMicros is long sent) _stats.RecordFromSend(sent);
        Telemetry.LoadMetrics.Record(scenario.Name, r, micros);
    }

    /// <summary>Waits for in-flight invocations to finish (bounded by the run's deadline).</summary>
    private async Task DrainAsync(CancellationToken ct)
    {
        while (Interlocked.Read(ref _inFlight) > 0 && !ct.IsCancellationRequested)
            await DelayQuietly(TimeSpan.FromMilliseconds(5), ct).ConfigureAwait(false);
    }

    private static async Task DelayQuietly(TimeSpan t, CancellationToken ct)
    {
        try { await Task.Delay(t, ct).ConfigureAwait(false); }
        catch (OperationCanceledException) { }
    }
}
