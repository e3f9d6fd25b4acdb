using HashtagBench.WaitingRoom;

namespace HashtagBench.ClusterSim;

/// <summary>
/// The simulated commands per visit set against the reference formula. A visit that joins, polls N times and
/// enters through the bucket sends <c>a + b·N</c> commands (<c>event</c>: 27 + 9N; a and b from
/// <see cref="Traffic.Visit"/>). Every other path differs by a fixed amount per occurrence, also from
/// <see cref="Traffic"/>; <see cref="Reconciles"/> says the parts add up to the simulated total exactly.
/// </summary>
public sealed record VisitCountCheck(
    string Strategy, int JoinedVisits, double MeanPolls, int Base, int PerPoll, double FormulaMean, double SimulatedMeanJoined,
    long FrontEntries, int FrontDelta, long ThrottledEnters, int ThrottledCost, long Leaves, int LeaveDelta, long Expiries, int ExpiryDelta,
    long SeatHolds, int SeatHoldCost, int RefusedVisits, long RefusedAttempts, int RefusedAttemptCost, long SimulatedTotal)
{
    /// <summary>Σ(a + b·N) over joined visits plus every path's difference.</summary>
    public long FormulaTotal { get; init; }

    public bool Reconciles => FormulaTotal == SimulatedTotal;

    public static VisitCountCheck Of(LaunchStrategyResult r)
    {
        WaitingRoomSchema s = r.Schema;
        int a = Traffic.Visit(s, 0).Count, b = Traffic.Visit(s, 1).Count - a;
        int enterBucketed = Traffic.Commands(Step.Enter, s, EnterPath.Bucketed).Count;
        int frontDelta = Traffic.Commands(Step.Enter, s, EnterPath.Front).Count - enterBucketed;
        int throttled = Traffic.Commands(Step.Enter, s, EnterPath.Throttled).Count;
        int leaveDelta = Traffic.Commands(Step.Leave, s).Count - enterBucketed;
        int expiryDelta = Traffic.Commands(Step.StatusExpired, s).Count - enterBucketed;
        int hold = Traffic.Commands(Step.HoldSeat, s).Count;
        var join = Traffic.Commands(Step.Join, s);
        int refusedCost = join.ToList().FindIndex(c => c.Keys.Count > 1) + 1;

        var joined = r.Timeline.Visits.Where(v => v.Joined).ToList();
        long formula = joined.Sum(v => (long)a + (long)b * v.Polls);
        long front = joined.Count(v => v.GrantPath == RequestOutcome.EnterFront);
        long thr = r.Timeline.Visits.Sum(v => (long)v.ThrottledEnters);
        long leaves = joined.Count(v => v.Ended == VisitEnd.Leave), expiries = joined.Count(v => v.Ended == VisitEnd.Expire);
        long holds = joined.Count(v => v.HeldSeat);
        int refusedVisits = r.Timeline.Visits.Count(v => v.FailedJoins > 0);
        long refusedAttempts = r.Timeline.Visits.Sum(v => (long)v.FailedJoins);
        long simulated = r.VisitCommands.Sum(c => (long)c);
        long simulatedJoined = joined.Sum(v => (long)r.VisitCommands[v.Visit]) - joined.Sum(v => (long)v.FailedJoins) * refusedCost;
        double meanPolls = joined.Count == 0 ? double.NaN : joined.Average(v => v.Polls);
        return new VisitCountCheck(s.Name, joined.Count, meanPolls, a, b, a + b * meanPolls,
            joined.Count == 0 ? double.NaN : simulatedJoined / (double)joined.Count,
            front, frontDelta, thr, throttled, leaves, leaveDelta, expiries, expiryDelta, holds, hold, refusedVisits, refusedAttempts, refusedCost, simulated)
        {
            FormulaTotal = formula + front * frontDelta + thr * throttled + leaves * leaveDelta + expiries * expiryDelta + holds * hold + refusedAttempts * refusedCost,
        };
    }
}
