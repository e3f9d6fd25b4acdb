using HashtagBench.WaitingRoom;

namespace HashtagBench.Enqueue.WaitingRoom;

/// <summary>How one request of the waiting room ended, as the reference gateway would answer it.</summary>
public enum StepOutcome
{
    /// <summary>Join: enqueued (202).</summary>
    Joined,
    /// <summary>Join: the script saw the idempotency key before (409).</summary>
    Duplicate,
    /// <summary>Status: still waiting (200).</summary>
    Waiting,
    /// <summary>Status: the heartbeat had expired; the token was cleaned up (404).</summary>
    Expired,
    /// <summary>The waiting token is unknown (404).</summary>
    NotFound,
    /// <summary>Enter: a reservation token was granted (200).</summary>
    Granted,
    /// <summary>Enter: rank over 100, or not waited long enough (403).</summary>
    NotReady,
    /// <summary>Enter: the event's admission bucket was empty (403).</summary>
    Throttled,
    /// <summary>Leave: done (200).</summary>
    Left,
    /// <summary>Hold seat: held.</summary>
    Held,
    /// <summary>Hold seat: someone else holds it.</summary>
    SeatUnavailable,
    /// <summary>Hold seat: no inventory left.</summary>
    SoldOut,
    /// <summary>The rate limit refused the request (429); nothing after the middleware ran.</summary>
    RateLimited,
    /// <summary>A POST whose idempotency key already has a stored answer: the middleware replayed it.</summary>
    Replayed,
    /// <summary>Redis or the network failed: see <see cref="StepFailure"/>.</summary>
    Failed,
}

/// <summary>A Redis error on a step, classified (CROSSSLOT, timeout, …).</summary>
public sealed record StepFailure(FailureKind Kind, string Message)
{
    public bool IsCrossSlot => Kind is FailureKind.CrossSlotServer or FailureKind.CrossSlotClient or FailureKind.CrossSlotGuard;
}

/// <summary>What every step's result says.</summary>
internal interface IStepResult
{
    Step Step { get; }
    StepOutcome Outcome { get; }
    /// <summary>Set when <see cref="Outcome"/> is <see cref="StepOutcome.Failed"/>.</summary>
    StepFailure? Failure { get; }
}

/// <summary>
/// What the client remembers about one waiting user, as the browser holds its waiting token. <see cref="UserId"/> is
/// the ID the gateway saw (<c>anonymous</c> for an anonymous join); <see cref="JoinScore"/> is the queue score
/// (unix seconds) a bucketed position read counts other buckets against.
/// </summary>
public sealed record WaitingUser(string EventId, string UserId, string WaitingToken, string JoinIdempotencyKey, long JoinScore, DateTimeOffset JoinedAt)
{
    /// <summary>The stream entry the join script added; null until it ran.</summary>
    public string? StreamId { get; init; }
    /// <summary>The reservation token, once granted.</summary>
    public string? ReservationToken { get; init; }
    /// <summary>The client address its requests come from (the rate limit's key); null: the options' <see cref="WaitingRoomOptions.ClientIp"/>.</summary>
    public string? ClientIp { get; init; }
}

/// <summary>The join's answer. <see cref="Background"/> is the gateway's goroutine after the answer (position read, then SET).</summary>
public sealed record JoinStepResult(StepOutcome Outcome, WaitingUser User, Task<BackgroundResult> Background, StepFailure? Failure = null) : IStepResult
{
    public Step Step => Step.Join;
}

/// <summary>The join's background work: the 1-based position it read, or the failure.</summary>
public sealed record BackgroundResult(long? Position, StepFailure? Failure = null)
{
    public static Task<BackgroundResult> None { get; } = Task.FromResult(new BackgroundResult(Position: null));
}

/// <param name="Position">1-based, from the position index (null when absent).</param>
/// <param name="QueueRank">1-based, from the event queue (null when absent).</param>
/// <param name="ReadyForEntry">Rank and wait pass the entry rule (no bucket token taken: status never takes one).</param>
public sealed record StatusStepResult(Step Step, StepOutcome Outcome, long? Position = null, long? QueueRank = null, bool ReadyForEntry = false, StepFailure? Failure = null) : IStepResult;

/// <param name="Path">Which enter path ran (null when the request stopped before the rank was read).</param>
public sealed record EnterStepResult(StepOutcome Outcome, WaitingUser User, long? Rank = null, EnterPath? Path = null, StepFailure? Failure = null) : IStepResult
{
    public Step Step => Step.Enter;
}

public sealed record LeaveStepResult(StepOutcome Outcome, StepFailure? Failure = null) : IStepResult
{
    public Step Step => Step.Leave;
}

/// <param name="Remaining">Seats left after a hold.</param>
public sealed record HoldSeatStepResult(StepOutcome Outcome, long? Remaining = null, StepFailure? Failure = null) : IStepResult
{
    public Step Step => Step.HoldSeat;
}
