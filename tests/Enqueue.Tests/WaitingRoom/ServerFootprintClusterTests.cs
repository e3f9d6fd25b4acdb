using HashtagBench.Enqueue.WaitingRoom;
using HashtagBench.Keys;
using HashtagBench.Provisioning;
using HashtagBench.TestSupport;
using HashtagBench.WaitingRoom;
using StackExchange.Redis;

namespace HashtagBench.Enqueue.Tests.WaitingRoom;

/// <summary>
/// <see cref="ServerFootprint"/> against what the servers really count: CONFIG RESETSTAT on all six nodes, one
/// request of one step and path through <see cref="WaitingRoomClient"/>, then every node's INFO commandstats must
/// equal the model's commands placed on their real slots and expanded by the footprint, exactly, per node and command.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class ServerFootprintClusterTests(ClusterFixture fx)
{
    public static TheoryData<string, bool> Cases()
    {
        var data = new TheoryData<string, bool>();
        foreach (WaitingRoomSchema s in WaitingRoomSchema.All(buckets: 8))
            foreach (bool replicaReads in new[] { false, true }) data.Add(s.Name, replicaReads);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Every_step_and_path_counts_on_every_node_exactly_what_the_footprint_says(string schemaName, bool replicaReads)
    {
        WaitingRoomSchema schema = WaitingRoomSchema.Parse(schemaName);
        var nodes = await ClusterCounters.NodesAsync(fx.Mux);
        var owners = LiveSlotMap.Read(fx.Mux);
        var clock = new ManualClock(DateTimeOffset.UtcNow);
        string prefix = JoinChecks.Unique("fp") + ":";
        WaitingRoomClient Client(int admissionCapacity = 500, double refill = 50) => new(fx.Mux.GetDatabase(), new WaitingRoomOptions
        {
            Schema = schema, ReplicaReads = replicaReads, KeyPrefix = prefix, Clock = clock, AdmissionCapacity = admissionCapacity, AdmissionPerSecond = refill,
        });
        WaitingRoomClient client = Client();
        // The enqueue script cached on every node first: a cold EVALSHA answers NOSCRIPT, which the model leaves out.
        foreach (var n in nodes) await fx.Mux.GetServer(n.Endpoint).ExecuteAsync("SCRIPT", "LOAD", EnqueueScript.Source);
        var seen = new List<string>();

        // Measures one request: `act` returns the step, path and key inputs it took, which pick the model's command list.
        async Task Check(string what, Func<Task<(Step Step, EnterPath? Path, KeyArgs Args, SeatHoldPath Hold, bool Refused)>> act)
        {
            await ClusterCounters.SettleAsync(fx.Mux, nodes);
            foreach (var n in nodes) await fx.Mux.GetServer(n.Endpoint).ExecuteAsync("CONFIG", "RESETSTAT");
            var (step, path, args, hold, refused) = await act();
            await ClusterCounters.SettleAsync(fx.Mux, nodes);
            var expected = Expected(schema, step, path, args, hold, refused, replicaReads, prefix, owners, nodes);
            var calls = await ClusterCounters.CallsAsync(fx.Mux, nodes);
            foreach (var n in nodes)
            {
                var measured = calls.Where(c => c.Key.Endpoint == n.Endpoint && c.Value > 0 && ServerFootprint.Commands.Contains(c.Key.Command))
                    .OrderBy(c => c.Key.Command, StringComparer.Ordinal).Select(c => $"{c.Key.Command}={c.Value}");
                var predicted = expected.Where(e => e.Key.Endpoint == n.Endpoint).OrderBy(e => e.Key.Command, StringComparer.Ordinal).Select(e => $"{e.Key.Command}={e.Value}");
                Assert.True(predicted.SequenceEqual(measured),
                    $"{schema} replicaReads={replicaReads} {what}, shard {n.Shard} {(n.Primary ? "primary" : "replica")}: predicted [{string.Join(' ', predicted)}], measured [{string.Join(' ', measured)}]");
            }
            seen.Add(what);
        }

        KeyArgs Args(WaitingUser u, string idem = "", string seat = "") => new(u.EventId, u.UserId, idem, u.WaitingToken, u.ReservationToken ?? "", client.Options.ClientIp, seat);

        if (schema.Name == "legacy")
        {
            // The cluster refuses the join script (CROSSSLOT, caught by the client): the middleware's commands alone reach a server.
            await Check("join refused", async () =>
            {
                JoinStepResult j = await client.JoinAsync(JoinChecks.Unique("evt"), "u1", "idem-1");
                Assert.True(j.Failure?.IsCrossSlot, j.ToString());
                return (Step.Join, null, Args(j.User, "idem-1"), SeatHoldPath.SoldOut, true);
            });
            Assert.Single(seen);
            return;
        }

        JoinStepResult join = null!;
        await Check("join", async () =>
        {
            join = await client.JoinAsync(JoinChecks.Unique("evt"), "u1", "idem-join");
            Assert.Equal(StepOutcome.Joined, join.Outcome);
            Assert.Null((await join.Background).Failure);
            return (Step.Join, null, Args(join.User, "idem-join"), SeatHoldPath.SoldOut, false);
        });
        await Check("status", async () =>
        {
            StatusStepResult s = await client.StatusAsync(join.User);
            Assert.Equal((Step.Status, StepOutcome.Waiting), (s.Step, s.Outcome));
            return (Step.Status, null, Args(join.User), SeatHoldPath.SoldOut, false);
        });
        WaitingUser granted = null!;
        await Check("enter, rank 1", async () =>
        {
            EnterStepResult e = await client.EnterAsync(join.User, "idem-enter");
            Assert.Equal((StepOutcome.Granted, EnterPath.Front), (e.Outcome, e.Path));
            granted = e.User;
            return (Step.Enter, EnterPath.Front, Args(granted, "idem-enter"), SeatHoldPath.SoldOut, false);
        });
        await Check("hold seat, sold out", async () =>
        {
            HoldSeatStepResult h = await client.HoldSeatAsync(granted, "A-1", "idem-hold");
            Assert.Equal(StepOutcome.SoldOut, h.Outcome);
            return (Step.HoldSeat, null, Args(granted, "idem-hold", "A-1"), SeatHoldPath.SoldOut, false);
        });
        await fx.Mux.GetDatabase().StringSetAsync(schema.Key(KeyClass.Inventory, Args(granted), prefix), 5);
        await Check("hold seat, held", async () =>
        {
            HoldSeatStepResult h = await client.HoldSeatAsync(granted, "A-2", "idem-hold-2");
            Assert.Equal(StepOutcome.Held, h.Outcome);
            return (Step.HoldSeat, null, Args(granted, "idem-hold-2", "A-2"), SeatHoldPath.Held, false);
        });
        await Check("hold seat, taken", async () =>
        {
            HoldSeatStepResult h = await client.HoldSeatAsync(granted, "A-2", "idem-hold-3");
            Assert.Equal(StepOutcome.SeatUnavailable, h.Outcome);
            return (Step.HoldSeat, null, Args(granted, "idem-hold-3", "A-2"), SeatHoldPath.Unavailable, false);
        });

        JoinStepResult gone = await client.JoinAsync(JoinChecks.Unique("evt"), "u2");
        await gone.Background;
        await fx.Mux.GetDatabase().KeyDeleteAsync(schema.Key(KeyClass.Heartbeat, Args(gone.User), prefix));
        await Check("status, heartbeat expired", async () =>
        {
            StatusStepResult s = await client.StatusAsync(gone.User);
            Assert.Equal((Step.StatusExpired, StepOutcome.Expired), (s.Step, s.Outcome));
            return (Step.StatusExpired, null, Args(gone.User), SeatHoldPath.SoldOut, false);
        });

        JoinStepResult leaving = await client.JoinAsync(JoinChecks.Unique("evt"), "u3");
        await leaving.Background;
        await Check("leave", async () =>
        {
            Assert.Equal(StepOutcome.Left, (await client.LeaveAsync(leaving.User)).Outcome);
            return (Step.Leave, null, Args(leaving.User), SeatHoldPath.SoldOut, false);
        });

        // Ranks 11 and 12 of one event (a second apart: ties would rank by token); a bucket of one token, no refill.
        WaitingRoomClient scarce = Client(admissionCapacity: 1, refill: 0);
        string evt = JoinChecks.Unique("evt");
        var queued = new List<WaitingUser>();
        for (int i = 0; i < 12; i++)
        {
            clock.Now += TimeSpan.FromSeconds(1);
            JoinStepResult j = await scarce.JoinAsync(evt, $"q{i}");
            await j.Background;
            queued.Add(j.User);
        }
        await Check("enter, rank 11 too early", async () =>
        {
            EnterStepResult e = await scarce.EnterAsync(queued[10], "idem-early");
            Assert.Equal((StepOutcome.NotReady, EnterPath.NotReady), (e.Outcome, e.Path));
            return (Step.Enter, EnterPath.NotReady, Args(queued[10], "idem-early"), SeatHoldPath.SoldOut, false);
        });
        clock.Now += TimeSpan.FromSeconds(10);
        await Check("enter, rank 11 with a bucket token", async () =>
        {
            EnterStepResult e = await scarce.EnterAsync(queued[10], "idem-bucket");
            Assert.Equal((StepOutcome.Granted, EnterPath.Bucketed), (e.Outcome, e.Path));
            return (Step.Enter, EnterPath.Bucketed, Args(e.User, "idem-bucket"), SeatHoldPath.SoldOut, false);
        });
        await Check("enter, bucket empty", async () =>
        {
            EnterStepResult e = await scarce.EnterAsync(queued[11], "idem-throttled");
            Assert.Equal((StepOutcome.Throttled, EnterPath.Throttled), (e.Outcome, e.Path));
            return (Step.Enter, EnterPath.Throttled, Args(queued[11], "idem-throttled"), SeatHoldPath.SoldOut, false);
        });
        Assert.Equal(11, seen.Count);
    }

    [Fact]
    public async Task A_join_on_a_primary_without_the_cached_script_adds_one_EVAL()
    {
        WaitingRoomSchema schema = WaitingRoomSchema.Event;
        var nodes = await ClusterCounters.NodesAsync(fx.Mux);
        var owners = LiveSlotMap.Read(fx.Mux);
        string prefix = JoinChecks.Unique("cold") + ":";
        var client = new WaitingRoomClient(fx.Mux.GetDatabase(), new WaitingRoomOptions { Schema = schema, KeyPrefix = prefix });
        var args = new KeyArgs(JoinChecks.Unique("evt"), "u1", "idem-cold", "", ClientIp: client.Options.ClientIp);
        int shard = owners.ToList().FindIndex(o => o.Ranges.Any(r => HashSlot.Of(schema.Key(KeyClass.Stream, args, prefix)) is int slot && slot >= r.From && slot <= r.To));
        TestNode primary = nodes.Single(n => n.Primary && n.Shard == shard);
        await fx.Mux.GetServer(primary.Endpoint).ExecuteAsync("SCRIPT", "FLUSH");
        await ClusterCounters.SettleAsync(fx.Mux, nodes);
        foreach (var n in nodes) await fx.Mux.GetServer(n.Endpoint).ExecuteAsync("CONFIG", "RESETSTAT");

        JoinStepResult join = await client.JoinAsync(args.EventId, args.UserId, args.IdempotencyKey);
        Assert.Equal(StepOutcome.Joined, join.Outcome);
        await join.Background;
        await ClusterCounters.SettleAsync(fx.Mux, nodes);
        var calls = await ClusterCounters.CallsAsync(fx.Mux, nodes);
        var expected = Expected(schema, Step.Join, null, args with { WaitingToken = join.User.WaitingToken }, SeatHoldPath.SoldOut, false, false, prefix, owners, nodes);
        long Measured(string command) => calls.GetValueOrDefault((primary.Endpoint, command));
        long Predicted(string command) => expected.GetValueOrDefault((primary.Endpoint, command));
        // NOSCRIPT: the refused EVALSHA is still counted (a failed call), then the client's fallback loads the script
        // (SCRIPT LOAD, harness traffic) and runs it with one EVAL: one extra EVAL per cold primary, same nested calls.
        Assert.Equal(Predicted("evalsha"), Measured("evalsha"));
        Assert.Equal(Predicted("eval") + 1, Measured("eval"));
        Assert.Equal(1, Measured("script|load"));
        foreach (string nested in new[] { "exists", "time", "xadd", "setex" }) Assert.Equal(Predicted(nested), Measured(nested));
    }

    // The model's commands of one request on their real nodes, expanded by the footprint.
    private static Dictionary<(string Endpoint, string Command), long> Expected(WaitingRoomSchema schema, Step step, EnterPath? path, KeyArgs args,
        SeatHoldPath hold, bool refused, bool replicaReads, string prefix, IReadOnlyList<SlotOwner> owners, IReadOnlyList<TestNode> nodes)
    {
        var counts = new Dictionary<(string, string), long>();
        int own = schema.BucketOf(args.UserId);
        foreach (RedisCommand c in Traffic.Commands(step, schema, path))
        {
            if (refused && c.Keys.Count > 1) break; // the refused script and everything after it never reach a server
            int slot = HashSlot.Of(schema.Key(c.Key, args, prefix, (own + c.OtherBucket) % schema.Buckets));
            int shard = owners.ToList().FindIndex(o => o.Ranges.Any(r => slot >= r.From && slot <= r.To));
            CommandFootprint f = ServerFootprint.Of(c, hold);
            bool onReplica = replicaReads && c.Read;
            foreach (TestNode n in nodes.Where(n => n.Shard == shard))
            {
                // The serving node counts the command and its script's calls; every replica counts what a write propagates.
                IEnumerable<string> names = n.Primary != onReplica ? f.Served : [];
                if (!n.Primary) names = names.Concat(f.Replicated);
                foreach (string name in names) counts[(n.Endpoint, name)] = counts.GetValueOrDefault((n.Endpoint, name)) + 1;
            }
        }
        return counts;
    }
}
