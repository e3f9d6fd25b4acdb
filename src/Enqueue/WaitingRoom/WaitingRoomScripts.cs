namespace HashtagBench.Enqueue.WaitingRoom;

/// <summary>The waiting room's own Lua scripts, embedded next to enqueue.lua. The gateway sends them with EVAL (the text each time).</summary>
internal static class WaitingRoomScripts
{
    /// <summary>The per-request token bucket on <c>ratelimit:ip:&lt;ip&gt;</c>.</summary>
    public static string RateLimit { get; } = EnqueueScript.Load("rate_limit.lua");
    /// <summary>The per-event admission token bucket on <c>admission:bucket:&lt;E&gt;</c>.</summary>
    public static string AdmissionBucket { get; } = EnqueueScript.Load("admission_bucket.lua");
    /// <summary>The incident write-up's 3-key seat hold.</summary>
    public static string HoldSeat { get; } = EnqueueScript.Load("hold_seat.lua");
}
