using HashtagBench.ClusterSim;
using HashtagBench.Contracts;
using HashtagBench.Enqueue;
using HashtagBench.Enqueue.WaitingRoom;
using HashtagBench.Load.Engine;
using HashtagBench.WaitingRoom;
using HdrHistogram;
using System.Collections.Concurrent;
using System.Diagnostics;

namespace HashtagBench.Load.Rehearsal;

/// <summary>What a visit does next when its timer fires.</summary>
internal enum VisitAction : byte { Join, Poll, ExpiredReturn }

/// <summary>Test seams: a hook on the dispatcher thread before each due action is handed off (e.g. a stall on purpose).</summary>
internal sealed record LaunchTestHooks(Action<int, VisitAction>? OnDispatch = null);

/// <summary>
/// The users of one live launch, each on its own lifecycle, mirroring <see cref="LaunchDynamics"/> decision for
/// decision (same population, same random streams) while every answer comes from the real server through
/// <see cref="WaitingRoomClient"/>: join (retried per the file) → poll after the next interval → status; enter when
/// the status says the entry rule allows (a throttled or refused enter polls again); leave or stop polling (expiry)
/// when the visit's draw says so; hold a seat after a grant when drawn. Timers run on one <see cref="UserScheduler{T}"/>.
/// "t" for a decision is the moment the request's answer came back (the simulator's requests take no time).
/// </summary>
internal sealed class LaunchDriver
{
    private readonly LaunchPopulation _pop;
    private readonly LaunchFile _file;
    private readonly WaitingRoomClient _client;
    private readonly TimeSpan? _timeout;
    private readonly LaunchTestHooks? _hooks;
    private readonly UserScheduler<Visitor> _scheduler;
    private readonly Visitor?[] _visitors;
    private readonly StepRecorder[] _steps = Enum.GetValues<Step>().Select(_ => new StepRecorder()).ToArray();
    private readonly StepRecorder _all = new();
    private readonly ConcurrentDictionary<string, int> _failureReasons = new(StringComparer.Ordinal);
    private readonly TaskCompletionSource _allEnded = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _ended, _entered, _left, _expired, _failed;
    private long _inflight, _lastAnswerTicks, _backgroundFailures, _arrivalsSent;
    private ArrivalCounts? _arrivals;
    private volatile bool _stopping, _closed;

    public LaunchDriver(LaunchPopulation pop, WaitingRoomClient client, TimeSpan? requestTimeout, LaunchTestHooks? hooks)
    {
        _pop = pop;
        _file = pop.Launch.File;
        _client = client;
        _timeout = requestTimeout;
        _hooks = hooks;
        _visitors = new Visitor?[pop.Visits];
        _scheduler = new UserScheduler<Visitor>(Dispatch);
    }

    public Stopwatch Clock => _scheduler.Clock;
    public int Visits => _pop.Visits;
    /// <summary>Join-background work (position read, rewrite) that failed: it is not a request of its own, so it is counted here.</summary>
    public long BackgroundFailures => Interlocked.Read(ref _backgroundFailures);

    /// <summary>
    /// Runs every visit until each has ended, <paramref name="maxSeconds"/> have passed since the launch's time 0,
    /// or <paramref name="ct"/> fires. Returns true when interrupted by <paramref name="ct"/>.
    /// </summary>
    public async Task<bool> RunAsync(double maxSeconds, TimeSpan drainLimit, CancellationToken ct)
    {
        int iterations = _file.Arrival.IterationsPerUser;
        for (int u = 0; u < _pop.Users; u++)
        {
            int v = u * iterations;
            Visitor first = VisitorOf(v);
            first.Next = VisitAction.Join;
            _scheduler.Schedule(UserScheduler<Visitor>.ToTicks(_pop.ArrivalOf(v)), first);
        }
        _scheduler.Start();
        bool interrupted = false;
        using (var limit = CancellationTokenSource.CreateLinkedTokenSource(ct))
        {
            limit.CancelAfter(TimeSpan.FromSeconds(Math.Max(0, maxSeconds - Clock.Elapsed.TotalSeconds)));
            try { await _allEnded.Task.WaitAsync(limit.Token).ConfigureAwait(false); }
            catch (OperationCanceledException) { interrupted = ct.IsCancellationRequested; }
        }
        // No new timers; calls already sent get their answers (bounded), so what they did is counted. After an
        // interrupt nothing more is counted: the teardown it starts would fail them, and those visits are unfinished.
        _stopping = true;
        if (interrupted) _closed = true;
        long stoppedAt = Clock.ElapsedTicks;
        IReadOnlyList<(long Due, Visitor Item)> unfired = _scheduler.Stop();
        // Arrivals the dispatcher never fired are dropped, not forgotten: due ones it was late for, the rest after the stop.
        var unsent = unfired.Where(u => IsArrival(u.Item)).ToList();
        var dropped = new Dictionary<string, long>(StringComparer.Ordinal);
        if (unsent.Count(u => u.Due <= stoppedAt) is > 0 and var late) dropped[ArrivalCounts.LateInjector] = late;
        if (unsent.Count(u => u.Due > stoppedAt) is > 0 and var after) dropped[ArrivalCounts.EndOfPhase] = after;
        _arrivals = new ArrivalCounts(Interlocked.Read(ref _arrivalsSent), dropped);
        if (!interrupted && Interlocked.Read(ref _inflight) > 0)
            try { await _drained.Task.WaitAsync(drainLimit, CancellationToken.None).ConfigureAwait(false); }
            catch (TimeoutException) { }
        _closed = true;
        return interrupted;
    }

    /// <summary>Seconds from the first arrival's intended time to the last answer; 0 with no answer.</summary>
    public double Seconds
    {
        get
        {
            long last = Interlocked.Read(ref _lastAnswerTicks);
            return last == 0 ? 0 : Math.Max(0, UserScheduler<Visitor>.ToSeconds(last) - (_pop.Visits == 0 ? 0 : _pop.ArrivalOf(0)));
        }
    }

    public HistogramBase DispatchLateness => _scheduler.Lateness;

    /// <summary>
    /// The launch's arrivals (each user's first visit, on the file's arrival profile): fired, or dropped when the run
    /// stopped first. Sent + dropped is every user. Read after <see cref="RunAsync"/>.
    /// </summary>
    public ArrivalCounts Arrivals => _arrivals ?? throw new InvalidOperationException("Read the arrivals after the run.");

    // A user's arrival: the first attempt of its first visit (later visits start when the previous one ends, retries after a failure).
    private bool IsArrival(Visitor v) => v.Next == VisitAction.Join && v.FailedJoins == 0 && _pop.IterationOf(v.Visit) == 0;

    /// <summary>Per step (join, status, enter, leave, hold-seat, status-expired), then "all".</summary>
    public IReadOnlyList<LaunchStepResult> Steps() =>
        [.. Enum.GetValues<Step>().Select(s => _steps[(int)s].ToResult(LaunchVerdicts.StepName(s))), _all.ToResult(LaunchVerdicts.AllSteps)];

    /// <summary>How every visit ended; those that had not when the run stopped are Unfinished.</summary>
    public LaunchLifecycle Lifecycle()
    {
        int entered = Volatile.Read(ref _entered), left = Volatile.Read(ref _left), expired = Volatile.Read(ref _expired), failed = Volatile.Read(ref _failed);
        return new LaunchLifecycle(_pop.Visits, entered, left, expired, failed, _pop.Visits - entered - left - expired - failed,
            new SortedDictionary<string, int>(_failureReasons, StringComparer.Ordinal));
    }

    private Visitor VisitorOf(int visit) => _visitors[visit] ??= new Visitor(this, visit);

    // On the dispatcher thread: hand the action to the thread pool and return (the timer wheel never waits on Redis).
    private void Dispatch(Visitor v, long dueTicks)
    {
        _hooks?.OnDispatch?.Invoke(v.Visit, v.Next);
        if (IsArrival(v)) Interlocked.Increment(ref _arrivalsSent);
        v.Due = dueTicks;
        Interlocked.Increment(ref _inflight);
        ThreadPool.UnsafeQueueUserWorkItem(v, preferLocal: false);
    }

    private async Task ActAsync(Visitor v)
    {
        Step step = Step.Join;
        try
        {
            switch (v.Next)
            {
                case VisitAction.Join: step = Step.Join; await JoinAsync(v).ConfigureAwait(false); break;
                case VisitAction.Poll: step = Step.Status; await PollAsync(v).ConfigureAwait(false); break;
                case VisitAction.ExpiredReturn: step = Step.StatusExpired; await ExpiredReturnAsync(v).ConfigureAwait(false); break;
            }
        }
        catch (Exception ex)
        {
            // A bug or an exception the client does not classify: the visit still ends, with the reason.
            End(v, Ending.Failed, $"{LaunchVerdicts.StepName(step)}: {ex.GetType().Name}");
        }
        finally { Done(); }
    }

    private async Task JoinAsync(Visitor v)
    {
        KeyArgs args = _pop.ArgsFor(v.Visit, 0);
        JoinStepResult r = await Timed(_client.JoinAsync(args), f => new JoinStepResult(StepOutcome.Failed, null!, BackgroundResult.None, f)).ConfigureAwait(false);
        string? failure = FailureOf(r.Outcome, r.Failure, StepOutcome.Joined, StepOutcome.Replayed);
        double t = Record(Step.Join, v.Due, failure);
        if (v.FailedJoins == 0 && !v.Begun)
        {
            // The simulator draws the visit's behaviour when its first attempt is made.
            (v.Act, v.ActAt) = LaunchDynamics.BehaviourOf(_pop, v.Visit, t);
            v.Polls = new LaunchDynamics.PollIntervals(_pop, v.Visit);
            v.Begun = true;
        }
        if (failure is null)
        {
            v.User = r.User;
            v.JoinedAt = v.LastRefresh = t;
            Track(r.Background);
            Schedule(v, VisitAction.Poll, t + v.Polls.Next());
            return;
        }
        v.FailedJoins++;
        if (v.FailedJoins < _file.Retry.JoinAttempts) Schedule(v, VisitAction.Join, t + _file.Retry.BackoffSeconds);
        else End(v, Ending.Failed, $"join: {failure}");
    }

    private async Task PollAsync(Visitor v)
    {
        WaitingUser user = v.User!;
        double now = NowSeconds;
        if (v.Act == VisitEnd.Leave && now >= v.ActAt)
        {
            LeaveStepResult left = await Timed(_client.LeaveAsync(user), f => new LeaveStepResult(StepOutcome.Failed, f)).ConfigureAwait(false);
            string? failure = FailureOf(left.Outcome, left.Failure, StepOutcome.Left);
            Record(Step.Leave, v.Due, failure);
            if (failure is null) End(v, Ending.Left);
            else End(v, Ending.Failed, $"leave: {failure}");
            return;
        }
        if (v.Act == VisitEnd.Expire && now >= v.ActAt)
        {
            // Stops polling; the heartbeat expires TTL seconds after its last refresh; one more call finds it gone.
            Schedule(v, VisitAction.ExpiredReturn, v.LastRefresh + Traffic.HeartbeatTtl + v.Polls.Next());
            return;
        }
        StatusStepResult status = await Timed(_client.StatusAsync(user), f => new StatusStepResult(Step.Status, StepOutcome.Failed, Failure: f)).ConfigureAwait(false);
        string? statusFailure = FailureOf(status.Outcome, status.Failure, StepOutcome.Waiting, StepOutcome.Expired);
        double t = Record(status.Step, v.Due, statusFailure);
        if (statusFailure is not null) { End(v, Ending.Failed, $"{LaunchVerdicts.StepName(status.Step)}: {statusFailure}"); return; }
        if (status.Outcome == StepOutcome.Expired) { End(v, Ending.Expired); return; } // the server dropped it (heartbeat gone)
        v.LastRefresh = t;
        if (!status.ReadyForEntry) { Schedule(v, VisitAction.Poll, t + v.Polls.Next()); return; }

        // Enter right after the answer that allowed it: its intended time is that answer.
        long enterDue = Clock.ElapsedTicks;
        KeyArgs enterArgs = _pop.ArgsFor(v.Visit, v.Ordinal++);
        EnterStepResult enter = await Timed(_client.EnterAsync(user, enterArgs.IdempotencyKey, enterArgs.ReservationToken),
            f => new EnterStepResult(StepOutcome.Failed, user, Failure: f)).ConfigureAwait(false);
        string? enterFailure = FailureOf(enter.Outcome, enter.Failure, StepOutcome.Granted, StepOutcome.Throttled, StepOutcome.NotReady);
        double te = Record(Step.Enter, enterDue, enterFailure);
        if (enterFailure is not null) { End(v, Ending.Failed, $"enter: {enterFailure}"); return; }
        if (enter.Outcome != StepOutcome.Granted) { Schedule(v, VisitAction.Poll, te + v.Polls.Next()); return; }
        if (LaunchDynamics.HoldsSeat(_pop, v.Visit))
        {
            long holdDue = Clock.ElapsedTicks;
            KeyArgs holdArgs = _pop.ArgsFor(v.Visit, v.Ordinal++);
            HoldSeatStepResult hold = await Timed(_client.HoldSeatAsync(enter.User, holdArgs.Seat, holdArgs.IdempotencyKey),
                f => new HoldSeatStepResult(StepOutcome.Failed, Failure: f)).ConfigureAwait(false);
            // Sold out or taken are answers (the user entered all the same); only errors fail the request.
            Record(Step.HoldSeat, holdDue, FailureOf(hold.Outcome, hold.Failure, StepOutcome.Held, StepOutcome.SoldOut, StepOutcome.SeatUnavailable));
        }
        End(v, Ending.Entered);
    }

    private async Task ExpiredReturnAsync(Visitor v)
    {
        StatusStepResult status = await Timed(_client.StatusAsync(v.User!), f => new StatusStepResult(Step.StatusExpired, StepOutcome.Failed, Failure: f)).ConfigureAwait(false);
        // Still alive would mean the heartbeat outlived its TTL: the visit did not expire as the file says.
        string? failure = FailureOf(status.Outcome, status.Failure, StepOutcome.Expired) ?? (status.Step == Step.StatusExpired ? null : "NotExpired");
        Record(Step.StatusExpired, v.Due, failure);
        if (failure is null) End(v, Ending.Expired);
        else End(v, Ending.Failed, $"{LaunchVerdicts.StepName(Step.StatusExpired)}: {failure}");
    }

    /// <summary>Null when <paramref name="outcome"/> is one of the expected answers; else the failure's kind (a Redis error's <see cref="FailureKind"/>, or the unexpected answer).</summary>
    private static string? FailureOf(StepOutcome outcome, StepFailure? failure, params StepOutcome[] expected) =>
        outcome == StepOutcome.Failed ? (failure?.Kind ?? FailureKind.Other).ToString()
        : Array.IndexOf(expected, outcome) >= 0 ? null
        : outcome.ToString();

    private async Task<T> Timed<T>(Task<T> call, Func<StepFailure, T> timedOut)
    {
        if (_timeout is not { } limit) return await call.ConfigureAwait(false);
        try { return await call.WaitAsync(limit).ConfigureAwait(false); }
        catch (TimeoutException)
        {
            _ = call.ContinueWith(static t => _ = t.Exception, TaskScheduler.Default); // observed, never thrown
            return timedOut(new StepFailure(FailureKind.Timeout, $"no answer within {limit.TotalMilliseconds:0} ms"));
        }
    }

    // The join's background work (position read, rewrite) runs after the answer; the run waits for it like a request.
    private void Track(Task<BackgroundResult> background)
    {
        Interlocked.Increment(ref _inflight);
        background.ContinueWith(t =>
        {
            if (t.IsFaulted || t.Result.Failure is not null) Interlocked.Increment(ref _backgroundFailures);
            _ = t.Exception;
            Done();
        }, TaskScheduler.Default);
    }

    private void Done()
    {
        if (Interlocked.Decrement(ref _inflight) == 0 && _stopping) _drained.TrySetResult();
    }

    private double NowSeconds => Clock.Elapsed.TotalSeconds;

    /// <summary>Records one request: latency from its intended time to now, ok or its failure kind. Returns now (s).</summary>
    private double Record(Step step, long intendedTicks, string? failureKind)
    {
        long now = Clock.ElapsedTicks;
        long micros = Math.Clamp((long)((now - intendedTicks) * (1e6 / Stopwatch.Frequency)), 0, Stats.HighestMicros);
        if (!_closed)
        {
            _steps[(int)step].Record(micros, failureKind);
            _all.Record(micros, failureKind);
        }
        long last;
        do last = Interlocked.Read(ref _lastAnswerTicks);
        while (now > last && Interlocked.CompareExchange(ref _lastAnswerTicks, now, last) != last);
        return UserScheduler<Visitor>.ToSeconds(now);
    }

    private void Schedule(Visitor v, VisitAction next, double atSeconds)
    {
        if (_stopping) return;
        v.Next = next;
        _scheduler.Schedule(UserScheduler<Visitor>.ToTicks(atSeconds), v);
    }

    private enum Ending { Entered, Left, Expired, Failed }

    private void End(Visitor v, Ending how, string? reason = null)
    {
        if (v.Ended || _closed) return;
        v.Ended = true;
        switch (how)
        {
            case Ending.Entered: Interlocked.Increment(ref _entered); break;
            case Ending.Left: Interlocked.Increment(ref _left); break;
            case Ending.Expired: Interlocked.Increment(ref _expired); break;
            default:
                Interlocked.Increment(ref _failed);
                _failureReasons.AddOrUpdate(reason ?? "unknown", 1, (_, n) => n + 1);
                break;
        }
        // k6 style: the user's next iteration starts as soon as this one is over.
        if (_pop.IterationOf(v.Visit) + 1 < _file.Arrival.IterationsPerUser && v.Visit + 1 < _pop.Visits)
            Schedule(VisitorOf(v.Visit + 1), VisitAction.Join, NowSeconds);
        if (Interlocked.Increment(ref _ended) == _pop.Visits) _allEnded.TrySetResult();
    }

    /// <summary>One visit's state. Only one action of a visit is ever in flight, so its fields need no lock.</summary>
    private sealed class Visitor(LaunchDriver driver, int visit) : IThreadPoolWorkItem
    {
        public readonly int Visit = visit;
        public VisitAction Next;
        public long Due;
        public bool Begun, Ended;
        public int FailedJoins, Ordinal = 1;
        public WaitingUser? User;
        public double JoinedAt, LastRefresh, ActAt;
        public VisitEnd? Act;
        public LaunchDynamics.PollIntervals Polls;

        public void Execute() => _ = driver.ActAsync(this);
    }

    /// <summary>One step's requests: counts, failures by kind, and latency from intended time (every outcome, and Ok alone), in µs.</summary>
    private sealed class StepRecorder
    {
        private readonly LongHistogram _ok = new(Stats.HighestMicros, 3), _allOutcomes = new(Stats.HighestMicros, 3);
        private readonly Dictionary<string, long> _failures = new(StringComparer.Ordinal);
        private long _requests, _failed;

        public void Record(long micros, string? failureKind)
        {
            lock (this)
            {
                _requests++;
                _allOutcomes.RecordValue(micros);
                if (failureKind is null) _ok.RecordValue(micros);
                else
                {
                    _failed++;
                    _failures[failureKind] = _failures.GetValueOrDefault(failureKind) + 1;
                }
            }
        }

        public LaunchStepResult ToResult(string name)
        {
            lock (this)
                return new LaunchStepResult(name, _requests, _requests - _failed, _failed,
                    RunOutput.ToLatency(Percentiles.From(_ok)), RunOutput.ToLatency(Percentiles.From(_allOutcomes)),
                    new SortedDictionary<string, long>(_failures, StringComparer.Ordinal));
        }
    }
}
