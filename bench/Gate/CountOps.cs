using BenchmarkDotNet.Attributes;
using HashtagBench.ClusterSim;
using HashtagBench.Keys;
using System.Reflection;

namespace HashtagBench.Bench.Gate;

/// <summary>One operation the instruction mode counts: a CPU-bound benchmark row, ready to call in a loop.</summary>
/// <param name="Name">"Suite.Method(Param: value)", the row's name in the gate's report.</param>
/// <param name="Create">A fresh instance of the op (its inputs copied to new objects), as a loop that calls it n times;
/// the result goes to a sink the JIT cannot drop.</param>
/// <param name="Divisor">Iterations are divided by this: a simulator run costs as much as thousands of slot lookups.</param>
internal sealed record CountOp(string Name, Func<Action<int>> Create, int Divisor = 1);

/// <summary>
/// The ops of the CPU-bound suites (slot, key format, slot guard), built from the benchmark classes themselves
/// (parameters from their ParamsSource, the untargeted GlobalSetup run), plus a small simulator op: the
/// ClusterSimBenchmarks cases hash 10M joins, far too many under valgrind's ~50x slowdown. Rows that talk to Redis
/// (SlotBenchmarks.StackExchangeRedis) are left out: a network round trip has no repeatable instruction count.
/// </summary>
internal static class CountOps
{
    public static readonly Type[] Suites = [typeof(SlotBenchmarks), typeof(KeyFormatBenchmarks), typeof(SlotGuardBenchmarks)];

    public const string SimulatorOp = "ClusterSimCount.Simulator(joins: 16384)";

    public static IReadOnlyList<CountOp> All()
    {
        var ops = new List<CountOp>();
        foreach (Type suite in Suites)
        {
            PropertyInfo? param = suite.GetProperties().FirstOrDefault(p => p.GetCustomAttribute<ParamsSourceAttribute>() is not null);
            IEnumerable<object?> values = param is null
                ? [null]
                : ((System.Collections.IEnumerable)suite.GetProperty(param.GetCustomAttribute<ParamsSourceAttribute>()!.Name, BindingFlags.Public | BindingFlags.Static)!.GetValue(null)!).Cast<object?>();
            MethodInfo? setup = suite.GetMethods().FirstOrDefault(m => m.GetCustomAttribute<GlobalSetupAttribute>() is { Targets.Length: 0 });
            foreach (object? value in values)
            {
                foreach (MethodInfo m in suite.GetMethods().Where(m => m.GetCustomAttribute<BenchmarkAttribute>() is not null).OrderBy(m => m.MetadataToken))
                {
                    if (suite == typeof(SlotBenchmarks) && m.Name == nameof(SlotBenchmarks.StackExchangeRedis)) continue;
                    string name = $"{suite.Name}.{m.Name}" + (param is null ? "" : $"({param.Name}: {value})");
                    MethodInfo make = typeof(CountOps).GetMethod(nameof(MakeLoop), BindingFlags.NonPublic | BindingFlags.Static)!.MakeGenericMethod(m.ReturnType);
                    ops.Add(new CountOp(name, () =>
                    {
                        object instance = Activator.CreateInstance(suite)!;
                        param?.SetValue(instance, Fresh(value));
                        setup?.Invoke(instance, null);
                        // A typed Func<T> per method, so the loop neither boxes nor goes through reflection per call.
                        return (Action<int>)make.Invoke(null, [m.CreateDelegate(typeof(Func<>).MakeGenericType(m.ReturnType), instance)])!;
                    }));
                }
            }
        }
        ops.Add(SimulatorCount());
        return ops;
    }

    private static CountOp SimulatorCount()
    {
        // One seed, so Parallel.For runs a single body: worker threads spinning for work would add instructions
        // that depend on scheduling, not on the code.
        var workload = new Workload(1_000, Popularity.Uniform, 10_000, RateProfile.Constant(50_000, 600));
        var sim = new Simulator(workload, Topology.EvenSplit(3), new SimOptions { Joins = 16_384, Seeds = 1 });
        KeyStrategy[] strategies = [KeyStrategy.Legacy, KeyStrategy.EventTag, KeyStrategy.UserTag, KeyStrategy.Bucketed(16)];
        return new CountOp(SimulatorOp, () => MakeLoop(() => sim.Run(strategies)), Divisor: 1000);
    }

    /// <summary>
    /// The parameter with its strings copied: a key's address decides how many bytes the vectorised search and
    /// CRC handle before their first aligned block, so each repetition gets keys at new addresses (the host takes
    /// the smallest count over repetitions, the same placement on both sides).
    /// </summary>
    private static object? Fresh(object? value) => value switch
    {
        Named<string> s => new Named<string>(s.Name, new string(s.Value.AsSpan())),
        Named<string[]> a => new Named<string[]>(a.Name, a.Value.Select(k => new string(k.AsSpan())).ToArray()),
        _ => value,
    };

    private static Action<int> MakeLoop<T>(Func<T> op) => n =>
    {
        for (int i = 0; i < n; i++) Sink<T>.Value = op();
    };

    private static class Sink<T>
    {
        public static T? Value;
    }

    /// <summary>Matches a glob list against an op name; no globs matches everything.</summary>
    public static bool Selected(string name, IReadOnlyList<string> globs) =>
        globs.Count == 0 || globs.Any(g => Compare.ResultComparer.GlobToRegex(g).IsMatch(name));
}
