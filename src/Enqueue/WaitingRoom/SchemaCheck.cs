using HashtagBench.WaitingRoom;
using StackExchange.Redis;

namespace HashtagBench.Enqueue.WaitingRoom;

/// <summary>One step of a schema check: whether Redis ran all its commands, and if not, why (CROSSSLOT…).</summary>
public sealed record StepCheck(Step Step, StepOutcome Outcome, StepFailure? Failure)
{
    public bool Ok => Failure is null;
    public bool CrossSlot => Failure?.IsCrossSlot == true;
}

/// <summary>Every step of one schema against one server or cluster.</summary>
public sealed record SchemaCheckResult(string Schema, IReadOnlyList<StepCheck> Steps)
{
    public bool Ok => Steps.All(s => s.Ok);
    public IEnumerable<StepCheck> Failed => Steps.Where(s => !s.Ok);
}

/// <summary>
/// The incident write-up's checklist item, "test both standalone and cluster mode": one short visit that runs
/// every step once (join, status, enter, status after the heartbeat is gone, hold seat, a second user's join and
/// leave) and reports per step whether Redis accepted it. On one standalone redis-server every schema passes; on a
/// cluster, <c>legacy</c>'s join fails with CROSSSLOT. That difference is how the incident shipped.
/// </summary>
public static class SchemaCheck
{
    public static async Task<SchemaCheckResult> RunAsync(IDatabase db, WaitingRoomOptions options)
    {
        var client = new WaitingRoomClient(db, options);
        string evt = $"check-{Guid.NewGuid():N}"[..18];
        var steps = new List<StepCheck>();
        void Add(IStepResult r) => steps.Add(new(r.Step, r.Outcome, r.Failure));

        JoinStepResult join = await client.JoinAsync(evt, "check-user-1").ConfigureAwait(false);
        Add(join);
        BackgroundResult background = await join.Background.ConfigureAwait(false);
        if (background.Failure is not null) steps.Add(new(Step.Join, StepOutcome.Failed, background.Failure));
        Add(await client.StatusAsync(join.User).ConfigureAwait(false));
        // Rank 1 enters at once; the grant deletes the heartbeat, so the next status takes the expired path.
        EnterStepResult enter = await client.EnterAsync(join.User).ConfigureAwait(false);
        Add(enter);
        Add(await client.StatusAsync(enter.User).ConfigureAwait(false));
        Add(await client.HoldSeatAsync(enter.User, "A-1").ConfigureAwait(false));
        JoinStepResult second = await client.JoinAsync(evt, "check-user-2").ConfigureAwait(false);
        await second.Background.ConfigureAwait(false);
        Add(await client.LeaveAsync(second.User).ConfigureAwait(false));
        return new(options.Schema.Name, steps);
    }
}
