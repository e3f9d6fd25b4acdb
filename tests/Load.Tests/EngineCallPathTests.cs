using HashtagBench.Load.Engine;

namespace HashtagBench.Load.Tests;

/// <summary>
/// The engine's allocation-free call path: an open-model call's state is pooled and reused, a closed copy awaits a
/// pooled ValueTask. Whatever way an answer comes (at once, later on another thread, a throw before or after the
/// first await), every call is recorded once, with its kind.
/// </summary>
public sealed class EngineCallPathTests
{
    private static async ValueTask<Response> AnswerAsync(ScenarioContext ctx)
    {
        long n = ctx.InvocationNumber;
        if (n % 5 == 0) throw new InvalidOperationException("thrown before the first await");
        if (n % 5 == 1) return Response.Ok("at-once");
        await Task.Yield(); // the rest answer on a thread-pool thread, as a reply does
        if (n % 5 == 2) throw new TimeoutException("thrown after it");
        return n % 5 == 3 ? Response.Ok("later") : Response.Fail("said-no");
    }

    [Fact]
    public async Task Every_open_model_call_is_recorded_once_whichever_way_its_answer_comes()
    {
        // 400/s for 1 s: 399 arrivals (0.0025 … 0.9975 s), each an invocation number 1..399.
        var s = Scenario.CreateValue("value-open", AnswerAsync).WithLoadSimulations(LoadSimulation.InjectPerSecond(400, TimeSpan.FromSeconds(1)));
        RunSummary r = await new LoadRunner(s).RunAsync();

        Assert.Equal((399L, 0L), (r.Arrivals!.Sent, r.Arrivals.DroppedTotal));
        Assert.Equal(399, r.Total);
        // n mod 5: 1 and 3 are Ok; 0 throws at once, 2 throws later, 4 fails.
        long Count(int rem) => Enumerable.Range(1, 399).Count(n => n % 5 == rem);
        Assert.Equal(Count(1) + Count(3), r.OkCount);
        Assert.Equal(Count(0), r.ErrorsByKind["exception.InvalidOperationException"]);
        Assert.Equal(Count(2), r.ErrorsByKind["exception.TimeoutException"]);
        Assert.Equal(Count(4), r.ErrorsByKind["said-no"]);
        Assert.Equal(r.OkCount, r.FromSend.Count);
        Assert.Equal(399, r.Lateness.Count);
    }

    [Fact]
    public async Task A_closed_copy_records_each_call_and_stops_at_the_invocation_cap()
    {
        var s = Scenario.CreateValue("value-closed", AnswerAsync)
            .WithLoadSimulations(LoadSimulation.KeepConstant(4, TimeSpan.FromSeconds(20)))
            .WithLimits(maxInFlight: 10, maxInvocations: 500);
        RunSummary r = await new LoadRunner(s).RunAsync();

        // Exactly the cap, each once (the four copies stop at it, long before the phase's 20 s).
        Assert.Equal(500, r.Total);
        Assert.Equal(200, r.OkCount);
        Assert.Equal(100, r.ErrorsByKind["exception.InvalidOperationException"]);
        Assert.Equal(100, r.ErrorsByKind["exception.TimeoutException"]);
        Assert.Equal(100, r.ErrorsByKind["said-no"]);
        Assert.StartsWith("reached 500", r.StopReason);
        Assert.True(r.Seconds < 15, $"{r.Seconds} s: the copies did not stop at the cap");
    }
}
