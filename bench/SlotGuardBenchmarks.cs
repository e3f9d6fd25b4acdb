using BenchmarkDotNet.Attributes;
using HashtagBench.Keys;

namespace HashtagBench.Bench;

/// <summary>
/// Suite 3: the slot guard on 2- and 3-key sets, tagged (co-located: the guard passes) and untagged (spread:
/// CoLocated answers false; Validate throws, so its row is the cost of rejecting a bad key set).
/// </summary>
public class SlotGuardBenchmarks
{
    private string[] _keys = [];

    public static IEnumerable<Named<string[]>> Sets =>
    [
        new("tagged-2", [SampleKeys.Tagged55, "stream:event:{evt_2025_1001}:user:user123"]),
        new("tagged-3", [SampleKeys.Tagged55, "stream:event:{evt_2025_1001}:user:user123", "queue:{evt_2025_1001}:admitted"]),
        new("untagged-2", [SampleKeys.Untagged39, "stream:event:evt_2025_1001:user:user123"]),
        new("untagged-3", [SampleKeys.Untagged39, "stream:event:evt_2025_1001:user:user123", "queue:evt_2025_1001:admitted"]),
    ];

    [ParamsSource(nameof(Sets))]
    public Named<string[]> Set { get; set; } = null!;

    [GlobalSetup]
    public void Setup() => _keys = Set.Value;

    [Benchmark(Baseline = true)]
    public bool CoLocated() => SlotGuard.CoLocated(_keys, out _);

    [Benchmark]
    public int Validate()
    {
        try { return SlotGuard.Validate(_keys); }
        catch (CrossSlotKeysException) { return -1; }
    }
}
