using HashtagBench.ClusterSim;
using HashtagBench.Contracts;
using HashtagBench.Enqueue;
using HashtagBench.Enqueue.WaitingRoom;
using HashtagBench.Load.Rehearsal;
using HashtagBench.Provisioning;
using HashtagBench.Reporting;
using HashtagBench.TestSupport;
using HashtagBench.WaitingRoom;
using StackExchange.Redis;
using System.Diagnostics;
using Xunit.Abstractions;

namespace HashtagBench.Load.Tests;

/// <summary>
/// End to end on the real cluster, without the live scenario: the prediction's own requests replayed in time order
/// through <see cref="WaitingRoomClient"/> (as fast as the cluster answers, each visit's clock set to its model
/// time so ranks, waits and bucket refills follow the model), commandstats before and after, then the comparer.
/// Waiting and reservation tokens are the client's own random UUIDs, as in a live run: their keys land on other
/// slots than the model's draw, which is what the tolerance is for.
/// </summary>
[Collection(LoadClusterCollection.Name)]
public sealed class LaunchComparerClusterTests(ClusterFixture fx, ITestOutputHelper output)
{
    [Theory]
    [InlineData("event")]
    [InlineData("bucketed:8")]
    public async Task A_replay_of_the_predicted_requests_matches_the_prediction_on_every_node_within_2_pp(string strategy)
    {
        Launch launch = LaunchFileLoader.Parse(LaunchComparerTests.SmallJson, "cmp-small.json");
        WaitingRoomSchema schema = WaitingRoomSchema.Parse(strategy);
        string prefix = JoinChecks.Unique("rp") + ":";
        LaunchStrategyResult predicted = LaunchComparer.Predict(launch, schema, Topology.FromSlotOwners(LiveSlotMap.Read(fx.Mux)), prefix);

        IReadOnlyList<TestNode> nodes = await ClusterCounters.NodesAsync(fx.Mux);
        // A cold EVALSHA answers NOSCRIPT (the model leaves that out): cache the script everywhere first.
        foreach (TestNode n in nodes) await fx.Mux.GetServer(n.Endpoint).ExecuteAsync("SCRIPT", "LOAD", EnqueueScript.Source);
        await ClusterCounters.SettleAsync(fx.Mux, nodes);
        var before = await ClusterCounters.CallsAsync(fx.Mux, nodes);
        var clock = Stopwatch.StartNew();
        int requests = await ReplayAsync(launch, schema, prefix, predicted);
        double seconds = clock.Elapsed.TotalSeconds;
        await ClusterCounters.SettleAsync(fx.Mux, nodes);
        var after = await ClusterCounters.CallsAsync(fx.Mux, nodes);

        var measured = after.Select(e => new NodeCommandCount(e.Key.Endpoint, e.Key.Command, e.Value - before.GetValueOrDefault(e.Key)))
            .Where(c => c.Calls > 0).ToList();
        var run = new LaunchRunResult(launch.File.Name, schema.Name, launch.File.Seed, 1, "as written", "replay", prefix, DateTime.UtcNow, seconds, [],
            new LaunchLifecycle(0, 0, 0, 0, 0, 0, new Dictionary<string, int>()), [], true,
            [.. nodes.Select(n => new LaunchNode(n.Endpoint, n.Shard, n.Role))], measured, null, [], false);
        LaunchComparison c = LaunchComparer.Compare(predicted, run);

        output.WriteLine($"{requests} requests replayed in {seconds:0.0} s");
        output.WriteLine(LaunchComparisonReport.ToMarkdown(c));
        Assert.Equal(6, c.Nodes.Count);
        Assert.True(c.Nodes.Sum(n => n.Measured) > 10_000, "the replay sent too little to compare");
        Assert.True(c.WithinTolerance, LaunchComparisonReport.ToMarkdown(c));
    }

    // Each visit's requests in order, visits interleaved in time order with a bounded number in flight.
    private async Task<int> ReplayAsync(Launch launch, WaitingRoomSchema schema, string prefix, LaunchStrategyResult predicted)
    {
        var pop = new LaunchPopulation(launch);
        IDatabase db = fx.Mux.GetDatabase();
        DateTimeOffset start = DateTimeOffset.UtcNow;
        var clients = new WaitingRoomClient?[pop.Visits];
        var clocks = new ManualClock?[pop.Visits];
        var users = new WaitingUser?[pop.Visits];
        var chains = Enumerable.Repeat(Task.CompletedTask, pop.Visits).ToArray();
        using var gate = new SemaphoreSlim(24);
        foreach (LaunchRequest q in predicted.Timeline.Requests)
        {
            await gate.WaitAsync();
            chains[q.Visit] = After(chains[q.Visit], q);
        }
        await Task.WhenAll(chains);
        return predicted.Timeline.Requests.Count;

        async Task After(Task previous, LaunchRequest q)
        {
            try
            {
                await previous;
                int v = q.Visit;
                KeyArgs a = pop.ArgsFor(v, q.Ordinal);
                ManualClock clock = clocks[v] ??= new ManualClock(start);
                clock.Now = start + TimeSpan.FromSeconds(q.Time);
                WaitingRoomClient client = clients[v] ??= new WaitingRoomClient(db, new WaitingRoomOptions
                {
                    Schema = schema, KeyPrefix = prefix, Clock = clock, ClientIp = a.ClientIp, ReplicaReads = launch.File.ReplicaReads,
                    AdmissionCapacity = (int)launch.File.Admission.BucketCapacity, AdmissionPerSecond = launch.File.Admission.RefillPerSecond,
                });
                switch (q.Step)
                {
                    case Step.Join:
                        JoinStepResult j = await client.JoinAsync(a.EventId, a.UserId, a.IdempotencyKey);
                        Assert.Equal(StepOutcome.Joined, j.Outcome);
                        await j.Background;
                        users[v] = j.User;
                        break;
                    case Step.Status or Step.StatusExpired: await client.StatusAsync(users[v]!); break;
                    case Step.Enter: users[v] = (await client.EnterAsync(users[v]!, a.IdempotencyKey)).User; break;
                    case Step.Leave: await client.LeaveAsync(users[v]!); break;
                    case Step.HoldSeat: await client.HoldSeatAsync(users[v]!, a.Seat, a.IdempotencyKey); break;
                }
            }
            finally { gate.Release(); }
        }
    }
}
