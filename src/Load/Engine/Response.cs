namespace HashtagBench.Load.Engine;

/// <summary>The outcome of one scenario invocation: Ok, or Fail with a status (an error kind) and message.</summary>
public readonly record struct Response(bool IsOk, string Status, string? Message = null)
{
    public static Response Ok(string status = "ok") => new(true, status);
    public static Response Fail(string status, string? message = null) => new(false, status, message);
}

/// <summary>
/// What an invocation gets: its number, the run's cancellation, and a random source. A struct: the engine makes one
/// per call, and a class would be an allocation per call.
/// </summary>
public readonly struct ScenarioContext(long invocation, CancellationToken token)
{
    public long InvocationNumber { get; } = invocation;
    public CancellationToken Token { get; } = token;
    public Random Random => Random.Shared;
}
