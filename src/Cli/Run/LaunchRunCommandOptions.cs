using HashtagBench.ClusterSim;
using HashtagBench.Load.Rehearsal;
using System.CommandLine;
using System.Globalization;

namespace HashtagBench.Cli.Run;

/// <summary>`--client-mode`: one of the gateway client's shapes, or each strategy in both.</summary>
internal enum ClientModeChoice { Pooled, Multiplexed, Both }

/// <summary>The options `run` takes for `--launch FILE` (see <see cref="LaunchRun"/>), declared and checked in one place.</summary>
internal sealed class LaunchRunCommandOptions
{
    public Option<string?> Launch { get; } = new("--launch") { Description = "Rehearse this launch file on the cluster instead of the benchmark run: each strategy's live launch beside the model, one report with the sizing answer." };
    public Option<double> Scale { get; } = new("--scale") { Description = "With --launch: users and rates × F, in (0, 1] (e.g. 0.05 = 1/20 scale).", DefaultValueFactory = _ => 1 };
    public Option<string?> Strategies { get; } = new("--strategies") { Description = "With --launch: comma-separated strategies instead of the file's (legacy, event, event-all, user, bucketed:N)." };
    public Option<ulong?> Seed { get; } = new("--seed") { Description = "With --launch: overrides the file's seed (users, arrivals, poll jitter)." };
    public Option<double> MaxSeconds { get; } = new("--max-seconds") { Description = "With --launch: hard stop per strategy; users still waiting are counted unfinished.", DefaultValueFactory = _ => LaunchPlan.DefaultMaxSeconds };
    public Option<double> CpuTarget { get; } = new("--cpu-target") { Description = "With --launch: the hottest primary's CPU the sizing answer keeps under (fraction).", DefaultValueFactory = _ => LaunchCapacity.DefaultTargetCpu };
    public Option<ClientModeChoice?> ClientMode { get; } = new("--client-mode")
    {
        Description = "With --launch: how the gateway's client meets the servers: pooled (go-redis: pods × minIdleConns connections per node, one command per round trip), multiplexed (one pipelining connection per node and pod), or both (each strategy in each shape); default: the launch file's client.mode.",
        CustomParser = Common.EnumParser.Parse<ClientModeChoice>,
    };
    public Option<bool> FindCeiling { get; } = new("--find-ceiling") { Description = "With --launch: after the runs, step each strategy's launch up (scale × 1.5 a step, at most --ceiling-steps, up to full scale) until the hottest primary crosses --cpu-target; report the measured scale at the crossing beside the model's." };
    public Option<int> CeilingSteps { get; } = new("--ceiling-steps") { Description = "With --find-ceiling: the most steps above --scale (each one a full launch run).", DefaultValueFactory = _ => 6 };
    public Option<double> CeilingSeconds { get; } = new("--ceiling-seconds") { Description = "With --find-ceiling: no new step starts after this many seconds of searching.", DefaultValueFactory = _ => 1800 };

    public Option<string?> Costs { get; } = new("--costs") { Description = "With --launch: a cost table from `hashtag-bench calibrate` (e.g. on the cluster rehearsed on) the model prices CPU with (default: the committed one)." };

    private IEnumerable<Option> All => [Launch, Scale, Strategies, Seed, MaxSeconds, CpuTarget, ClientMode, FindCeiling, CeilingSteps, CeilingSeconds, Costs];

    public void AddTo(Command cmd)
    {
        foreach (Option o in All) cmd.Options.Add(o);
    }

    /// <summary>
    /// The launch run's options when --launch was given, else null. The launch-only options without --launch, and
    /// the benchmark run's options with it, are refused (exit 2): either would be silently ignored otherwise.
    /// </summary>
    public LaunchRunOptions? Get(ParseResult r, IReadOnlyList<Option> benchRunOnly, Option<string?> output, Option<bool> keepData)
    {
        static bool Given(ParseResult r, Option o) => r.GetResult(o) is { Implicit: false };
        if (r.GetValue(Launch) is not { } path)
        {
            var stray = All.Skip(1).Where(o => Given(r, o)).Select(o => o.Name).ToList();
            if (stray.Count > 0) throw new ArgumentException($"{string.Join(", ", stray)} {(stray.Count == 1 ? "needs" : "need")} --launch FILE.");
            return null;
        }
        var clash = benchRunOnly.Where(o => Given(r, o)).Select(o => o.Name).ToList();
        if (clash.Count > 0) throw new ArgumentException($"--launch rehearses the launch alone: {string.Join(", ", clash)} {(clash.Count == 1 ? "does" : "do")} not apply to it.");
        // The launch, --scale, --max-seconds and --cpu-target are checked once, in LaunchPlan.Create (as for `load run launch`).
        bool findCeiling = r.GetValue(FindCeiling);
        if (!findCeiling && (Given(r, CeilingSteps) || Given(r, CeilingSeconds))) throw new ArgumentException("--ceiling-steps and --ceiling-seconds need --find-ceiling.");
        int steps = r.GetValue(CeilingSteps);
        if (steps is < 1 or > 20) throw new ArgumentException($"--ceiling-steps must be 1..20 (got {steps}).");
        double ceilingSeconds = r.GetValue(CeilingSeconds);
        if (!(ceilingSeconds > 0) || double.IsInfinity(ceilingSeconds)) throw new ArgumentException($"--ceiling-seconds must be a positive number (got {ceilingSeconds.ToString(CultureInfo.InvariantCulture)}).");
        return new LaunchRunOptions(path, r.GetValue(Scale), r.GetValue(Strategies), r.GetValue(Seed), r.GetValue(keepData), r.GetValue(output),
            r.GetValue(MaxSeconds), r.GetValue(CpuTarget))
        {
            ClientModes = r.GetValue(ClientMode) switch
            {
                ClientModeChoice.Pooled => [WaitingRoom.ClientMode.Pooled],
                ClientModeChoice.Multiplexed => [WaitingRoom.ClientMode.Multiplexed],
                ClientModeChoice.Both => [WaitingRoom.ClientMode.Pooled, WaitingRoom.ClientMode.Multiplexed],
                _ => [],
            },
            Ceiling = findCeiling ? new CeilingSearch(steps, ceilingSeconds) : null,
            CostsPath = r.GetValue(Costs),
        };
    }
}
