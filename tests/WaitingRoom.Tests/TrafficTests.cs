using HashtagBench.Keys;

namespace HashtagBench.WaitingRoom.Tests;

public class TrafficTests
{
    private static readonly KeyArgs Args = new("evt_2025_1001", "user-42", "0f8c2d1e-idem", "wt-7", "rt-9", "10.0.0.1", "A-12");

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(30)]
    public void A_visit_under_the_event_schema_is_the_reference_27_plus_9N(int polls)
    {
        var visit = Traffic.Visit(WaitingRoomSchema.Event, polls);
        Assert.Equal(27 + 9 * polls, visit.Count);

        // 9 + 2N on the event's {E} slot, 3N + 2 on metrics:admission:<E>, the rest elsewhere.
        int eventSlot = HashSlot.Of("{" + Args.EventId + "}");
        var slots = visit.Select(c => HashSlot.Of(WaitingRoomSchema.Event.Key(c.Key, Args))).ToList();
        Assert.Equal(9 + 2 * polls, slots.Count(s => s == eventSlot));
        Assert.Equal(3 * polls + 2, visit.Count(c => c.Key == KeyClass.AdmissionMetrics));
        Assert.NotEqual(eventSlot, HashSlot.Of(WaitingRoomSchema.Event.Key(KeyClass.AdmissionMetrics, Args)));
    }

    [Fact]
    public void Event_all_puts_every_per_event_key_on_one_slot()
    {
        var s = WaitingRoomSchema.EventAll;
        int slot = HashSlot.Of("{" + Args.EventId + "}");
        foreach (var k in new[] { KeyClass.Dedupe, KeyClass.Stream, KeyClass.EventQueue, KeyClass.PositionIndex, KeyClass.AdmissionMetrics, KeyClass.AdmissionBucket, KeyClass.Inventory })
            Assert.Equal(slot, HashSlot.Of(s.Key(k, Args)));
        Assert.Equal(SlotInputs.Event, s.Template(KeyClass.AdmissionMetrics).SlotDependsOn);
    }

    [Fact]
    public void Legacy_spreads_the_join_script_over_two_slots_and_the_queue_off_the_event_slot()
    {
        var s = WaitingRoomSchema.Legacy;
        Assert.NotEqual(HashSlot.Of(s.Key(KeyClass.Dedupe, Args)), HashSlot.Of(s.Key(KeyClass.Stream, Args)));
        Assert.Equal("queue:event:evt_2025_1001", s.Key(KeyClass.EventQueue, Args));
        Assert.Equal(SlotInputs.IdempotencyKey, s.Template(KeyClass.Dedupe).SlotDependsOn);
    }

    [Fact]
    public void Join_keys_are_the_join_strategy_keys_for_every_schema()
    {
        foreach (var s in WaitingRoomSchema.All(8))
        {
            var join = s.Join.Keys(Args.EventId, Args.UserId, Args.IdempotencyKey);
            Assert.Equal(join.DedupeKey, s.Key(KeyClass.Dedupe, Args));
            Assert.Equal(join.StreamKey, s.Key(KeyClass.Stream, Args));
            Assert.Equal("run1:" + join.StreamKey, s.Key(KeyClass.Stream, Args, "run1:"));
        }
    }

    [Fact]
    public void Bucketed_position_reads_fan_out_to_every_bucket()
    {
        var s = WaitingRoomSchema.Bucketed(8);
        var status = Traffic.Commands(Step.Status, s);
        // Two position reads (position index, queue), each a ZRANK plus 7 ZCOUNTs: 9 + 2 × 7.
        Assert.Equal(9 + 2 * 7, status.Count);
        var queueBuckets = status.Where(c => c.Key == KeyClass.EventQueue)
            .Select(c => s.Key(c.Key, Args, bucket: (s.BucketOf(Args.UserId) + c.OtherBucket) % s.Buckets)).ToList();
        Assert.Equal(8, queueBuckets.Distinct().Count());
        Assert.Equal(SlotInputs.Event | SlotInputs.Bucket, s.Template(KeyClass.EventQueue).SlotDependsOn);
    }

    [Fact]
    public void Only_post_requests_check_and_store_idempotency()
    {
        foreach (Step step in Enum.GetValues<Step>())
        {
            var cmds = Traffic.Commands(step, WaitingRoomSchema.Event);
            Assert.Equal("EVAL", cmds[0].Name);
            Assert.Equal(KeyClass.RateLimit, cmds[0].Key);
            Assert.Equal(Traffic.IsPost(step), cmds.Any(c => c.Key == KeyClass.IdempotencyFingerprint));
        }
        // An enter that is not granted answers 4xx: no stored answer.
        Assert.DoesNotContain(Traffic.Commands(Step.Enter, WaitingRoomSchema.Event, EnterPath.NotReady), c => c.Phase == Phase.AfterResponse);
    }

    [Fact]
    public void The_join_stores_its_answer_before_the_background_work_starts()
    {
        // The idempotency middleware stores the 202 synchronously; the handler's goroutine runs after the answer.
        var phases = Traffic.Commands(Step.Join, WaitingRoomSchema.Event).Select(c => c.Phase).ToList();
        Assert.Equal(Phase.AfterResponse, phases[phases.IndexOf(Phase.Background) - 1]);
        Assert.Equal(Phase.Background, phases[^1]);
    }

    [Theory]
    [InlineData(1, 0.0, true)]
    [InlineData(10, 0.0, true)]
    [InlineData(11, 1.9, false)]
    [InlineData(11, 2.0, true)]
    [InlineData(100, 4.9, false)]
    [InlineData(100, 5.0, true)]
    [InlineData(101, 1000.0, false)]
    public void Entry_rule(long rank, double waited, bool may) => Assert.Equal(may, EntryRule.MayEnter(rank, waited));

    [Theory]
    [InlineData("legacy")]
    [InlineData("event")]
    [InlineData("EVENT-ALL")]
    [InlineData("user")]
    [InlineData("bucketed:4")]
    public void Names_round_trip(string name) => Assert.Equal(name.ToLowerInvariant(), WaitingRoomSchema.Parse(name).Name);

    [Fact]
    public void Unknown_names_and_braced_prefixes_are_refused()
    {
        Assert.Throws<FormatException>(() => WaitingRoomSchema.Parse("shard"));
        Assert.Throws<ArgumentException>(() => WaitingRoomSchema.Event.Key(KeyClass.Waiting, Args, "{run}:"));
        Assert.Throws<ArgumentException>(() => new KeyTemplate("x:<NOPE>"));
    }
}
