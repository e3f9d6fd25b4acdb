namespace HashtagBench.Keys.Tests;

public sealed class EventSlotsTests
{
    [Fact]
    public void An_event_tag_has_one_slot_and_each_bucket_the_slot_its_users_keys_hash_to()
    {
        Assert.Equal([3998], KeyStrategy.EventTag.EventSlots("evt_2025_1001"));
        Assert.Equal([3998], KeyStrategy.Legacy.EventSlots("evt_2025_1001")); // the stream key's tag; the dedupe key has none
        Assert.Null(KeyStrategy.UserTag.EventSlots("evt_2025_1001"));

        BucketedStrategy bucketed = KeyStrategy.Bucketed(4);
        IReadOnlyList<int> slots = bucketed.EventSlots("evt_2025_1001")!;
        Assert.Equal(4, slots.Count);
        for (int u = 0; u < 200; u++)
        {
            string user = $"user{u}";
            JoinKeys keys = bucketed.Keys("evt_2025_1001", user, "k");
            Assert.Equal(slots[KeyStrategy.BucketOf(user, 4)], HashSlot.Of(keys.StreamKey));
            Assert.Equal(slots[KeyStrategy.BucketOf(user, 4)], HashSlot.Of(keys.DedupeKey));
        }
    }

    [Fact]
    public void A_bad_event_id_is_refused()
    {
        Assert.Throws<InvalidKeyInputException>(() => KeyStrategy.EventTag.EventSlots("evt{1}"));
    }
}
