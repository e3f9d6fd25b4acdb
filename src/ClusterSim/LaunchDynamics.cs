using HashtagBench.WaitingRoom;

namespace HashtagBench.ClusterSim;

/// <summary>How a request went, beyond its step: which enter path, or a join refused by the cluster.</summary>
public enum RequestOutcome : byte { Ok, EnterFront, EnterBucketed, EnterThrottled, JoinCrossSlot }

/// <summary>One HTTP request of one visit. <see cref="Ordinal"/> numbers the visit's POSTs (it picks the idempotency key).</summary>
public readonly record struct LaunchRequest(double Time, int Visit, Step Step, RequestOutcome Outcome, int Ordinal)
{
    /// <summary>The enter path for <see cref="Traffic.Commands"/>; null for other steps.</summary>
    public EnterPath? EnterPath => Outcome switch
    {
        RequestOutcome.EnterFront => WaitingRoom.EnterPath.Front,
        RequestOutcome.EnterBucketed => WaitingRoom.EnterPath.Bucketed,
        RequestOutcome.EnterThrottled => WaitingRoom.EnterPath.Throttled,
        _ => null,
    };
}

/// <summary>How one visit went: when it joined and ended, its status polls, and how it ended.</summary>
/// <param name="LastRefresh">The last request that refreshed the heartbeat (join or status).</param>
public sealed record VisitOutcome(int Visit, double Start, double? JoinedAt, double End, int Polls, int ThrottledEnters, int FailedJoins,
    VisitEnd? Ended, RequestOutcome? GrantPath, bool HeldSeat, double LastRefresh)
{
    /// <summary>Joined and entered, left or expired; false: every join attempt was refused.</summary>
    public bool Joined => JoinedAt is not null;
}

/// <summary>Every request of a launch in time order, and every visit's outcome.</summary>
public sealed record LaunchTimeline(IReadOnlyList<LaunchRequest> Requests, IReadOnlyList<VisitOutcome> Visits, double EndSeconds);

/// <summary>
/// The queue dynamics of a launch, as a discrete-event simulation: users join, poll on the file's interval law,
/// and enter when the entry rule allows (rank within a band, its minimum wait met) and, for bucket bands, the
/// event's token bucket has a token. The number of polls per user comes out of this, not from an input.
/// Strategy-blind except for joins the cluster refuses (CROSSSLOT), which never enter the queue.
/// </summary>
public static class LaunchDynamics
{
    private enum Kind : byte { Join, Poll, ExpiredReturn }

    /// <param name="joinRefused">Per visit: the cluster refuses its join script (CROSSSLOT); null: none.</param>
    /// <param name="maxRequests">Most requests the timeline may hold (memory): a launch that makes more is refused (<see cref="SimInputException"/>).</param>
    /// <param name="ct">Stops the simulation within milliseconds (<see cref="OperationCanceledException"/>).</param>
    public static LaunchTimeline Run(LaunchPopulation pop, Func<int, bool>? joinRefused = null, long maxRequests = long.MaxValue, CancellationToken ct = default)
    {
        LaunchFile f = pop.Launch.File;
        int visits = pop.Visits, events = pop.Launch.EventIds.Count, iterations = f.Arrival.IterationsPerUser;
        var requests = new List<LaunchRequest>((int)Math.Min(visits * 8L, Math.Min(maxRequests, Array.MaxLength)));
        var outcomes = new VisitOutcome[visits];

        // Per event: a Fenwick tree over join order gives a rank in O(log n); ranks are 1-based among those still queued.
        var visitsPerEvent = new int[events];
        for (int v = 0; v < visits; v++) visitsPerEvent[pop.EventOf(v)]++;
        var queues = new Fenwick[events];
        for (int e = 0; e < events; e++) queues[e] = new Fenwick(visitsPerEvent[e]);
        var joined = new int[events];
        var tokens = new double[events];
        var refilledAt = new double[events];
        Array.Fill(tokens, f.Admission.BucketCapacity);

        var position = new int[visits];
        var joinedAt = new double[visits];
        var lastRequest = new double[visits];
        var polls = new int[visits];
        var throttled = new int[visits];
        var failedJoins = new int[visits];
        var ordinal = new int[visits];
        var actAt = new double[visits];       // leave or stop-polling time
        var acts = new VisitEnd?[visits];     // Leave or Expire; null: waits to enter
        var jitter = new PollIntervals[visits];

        var agenda = new PriorityQueue<(Kind Kind, int Visit), (double Time, long Seq)>();
        long seq = 0;
        void Schedule(Kind k, int v, double t) => agenda.Enqueue((k, v), (t, seq++));

        for (int u = 0; u < pop.Users; u++) Schedule(Kind.Join, u * iterations, pop.ArrivalOf(u * iterations));
        double end = 0;
        long handled = 0;

        while (agenda.TryDequeue(out var item, out var when))
        {
            (Kind kind, int v) = item;
            double t = when.Time;
            if ((++handled & 0x3FFF) == 0)
            {
                ct.ThrowIfCancellationRequested();
                if (requests.Count > maxRequests)
                    throw new SimInputException("requests", FormattableString.Invariant(
                        $"The launch makes more than {maxRequests:N0} requests (its queue dynamics passed that count {t:N0} s into the launch): more than this machine's memory holds beside its {visits:N0} visits (~{LaunchSimulator.RequestBytes} B per request). Fewer users, a faster admission or longer poll intervals make fewer requests."));
            }
            end = Math.Max(end, t);
            int e = pop.EventOf(v);
            switch (kind)
            {
                case Kind.Join:
                    if (failedJoins[v] == 0) Begin(v, t);
                    if (joinRefused?.Invoke(v) == true)
                    {
                        requests.Add(new(t, v, Step.Join, RequestOutcome.JoinCrossSlot, 0));
                        failedJoins[v]++;
                        if (failedJoins[v] < f.Retry.JoinAttempts) Schedule(Kind.Join, v, t + f.Retry.BackoffSeconds);
                        else Finish(v, t, null, null, false);
                        break;
                    }
                    requests.Add(new(t, v, Step.Join, RequestOutcome.Ok, 0));
                    ordinal[v] = 1;
                    position[v] = joined[e]++;
                    queues[e].Add(position[v], 1);
                    joinedAt[v] = lastRequest[v] = t;
                    Schedule(Kind.Poll, v, t + NextInterval(v));
                    break;

                case Kind.Poll:
                    if (acts[v] == VisitEnd.Leave && t >= actAt[v])
                    {
                        requests.Add(new(t, v, Step.Leave, RequestOutcome.Ok, 0));
                        queues[e].Add(position[v], -1);
                        Finish(v, t, VisitEnd.Leave, null, false);
                        break;
                    }
                    if (acts[v] == VisitEnd.Expire && t >= actAt[v])
                    {
                        // Stops polling; the heartbeat expires TTL seconds after its last refresh; one more call finds it gone.
                        Schedule(Kind.ExpiredReturn, v, lastRequest[v] + Traffic.HeartbeatTtl + NextInterval(v));
                        break;
                    }
                    requests.Add(new(t, v, Step.Status, RequestOutcome.Ok, 0));
                    polls[v]++;
                    lastRequest[v] = t;
                    long rank = queues[e].Prefix(position[v]);
                    EntryBand? band = BandOf(f.Admission.EntryRule, rank);
                    if (band is null || t - joinedAt[v] < band.MinWaitSeconds)
                    {
                        Schedule(Kind.Poll, v, t + NextInterval(v));
                        break;
                    }
                    RequestOutcome path = RequestOutcome.EnterFront;
                    if (band.Bucket)
                    {
                        tokens[e] = Math.Min(f.Admission.BucketCapacity, tokens[e] + (t - refilledAt[e]) * f.Admission.RefillPerSecond);
                        refilledAt[e] = t;
                        if (tokens[e] < 1)
                        {
                            requests.Add(new(t, v, Step.Enter, RequestOutcome.EnterThrottled, ordinal[v]++));
                            throttled[v]++;
                            Schedule(Kind.Poll, v, t + NextInterval(v));
                            break;
                        }
                        tokens[e] -= 1;
                        path = RequestOutcome.EnterBucketed;
                    }
                    requests.Add(new(t, v, Step.Enter, path, ordinal[v]++));
                    queues[e].Add(position[v], -1);
                    bool hold = HoldsSeat(pop, v);
                    if (hold) requests.Add(new(t, v, Step.HoldSeat, RequestOutcome.Ok, ordinal[v]++));
                    Finish(v, t, VisitEnd.Enter, path, hold);
                    break;

                case Kind.ExpiredReturn:
                    requests.Add(new(t, v, Step.StatusExpired, RequestOutcome.Ok, 0));
                    queues[e].Add(position[v], -1);
                    Finish(v, t, VisitEnd.Expire, null, false);
                    break;
            }
        }

        // Requests were added in agenda order (time, then schedule order): already sorted by time.
        return new LaunchTimeline(requests, outcomes, end);

        void Begin(int v, double t)
        {
            (acts[v], actAt[v]) = BehaviourOf(pop, v, t);
            jitter[v] = new PollIntervals(pop, v);
            outcomes[v] = new VisitOutcome(v, t, null, t, 0, 0, 0, null, null, false, t);
        }

        void Finish(int v, double t, VisitEnd? how, RequestOutcome? grant, bool held)
        {
            outcomes[v] = outcomes[v] with
            {
                JoinedAt = how is null ? null : joinedAt[v],
                End = t,
                Polls = polls[v],
                ThrottledEnters = throttled[v],
                FailedJoins = failedJoins[v],
                Ended = how,
                GrantPath = grant,
                HeldSeat = held,
                LastRefresh = lastRequest[v],
            };
            // k6 style: the user's next iteration starts as soon as this one is over.
            if (pop.IterationOf(v) + 1 < iterations) Schedule(Kind.Join, v + 1, t);
        }

        double NextInterval(int v) => jitter[v].Next();
    }

    // The per-visit draws below are shared with the live run (src/Load's LaunchScenario), so a real launch makes the
    // same decisions from the same seed; only the server's answers (rank, bucket) differ.

    /// <summary>
    /// The visit's leave-or-expire draw (random stream 1), made when it starts at <paramref name="start"/>: whether it
    /// leaves, stops polling (expires) or waits to enter (null), and at what time it acts.
    /// </summary>
    public static (VisitEnd? Act, double ActAt) BehaviourOf(LaunchPopulation pop, int visit, double start)
    {
        LaunchFile f = pop.Launch.File;
        var rng = pop.Rng(visit, 1);
        double r = LaunchPopulation.Unit(rng.Next());
        ShareAfter? act = r < f.Leave.Share ? f.Leave : r < f.Leave.Share + f.Expiry.Share ? f.Expiry : null;
        if (act is null) return (null, 0);
        return (ReferenceEquals(act, f.Leave) ? VisitEnd.Leave : VisitEnd.Expire,
            start + act.MinSeconds + (act.MaxSeconds - act.MinSeconds) * LaunchPopulation.Unit(rng.Next()));
    }

    /// <summary>Whether an admitted visit holds a seat right after entering (random stream 3).</summary>
    public static bool HoldsSeat(LaunchPopulation pop, int visit) => LaunchPopulation.Unit(pop.Rng(visit, 3).Next()) < pop.Launch.File.SeatHoldShare;

    private static EntryBand? BandOf(IReadOnlyList<EntryBand> rule, long rank)
    {
        foreach (EntryBand b in rule) if (rank <= b.UpToRank) return b;
        return null;
    }

    /// <summary>One visit's poll intervals in order (random stream 2): uniform in the file's [min, max] seconds.</summary>
    public struct PollIntervals(LaunchPopulation pop, int visit)
    {
        private SplitMix64 _rng = pop.Rng(visit, 2);
        private readonly PollLaw _law = pop.Launch.File.Poll;

        public double Next() => _law.MinSeconds + (_law.MaxSeconds - _law.MinSeconds) * LaunchPopulation.Unit(_rng.Next());
    }

    /// <summary>Binary indexed tree of 0/1 "still queued" flags in join order.</summary>
    private sealed class Fenwick(int n)
    {
        private readonly int[] _tree = new int[n + 1];

        public void Add(int index, int delta)
        {
            for (int i = index + 1; i < _tree.Length; i += i & -i) _tree[i] += delta;
        }

        /// <summary>Flags set at indices 0..index: the 1-based rank of a queued entry.</summary>
        public long Prefix(int index)
        {
            long s = 0;
            for (int i = index + 1; i > 0; i -= i & -i) s += _tree[i];
            return s;
        }
    }
}
