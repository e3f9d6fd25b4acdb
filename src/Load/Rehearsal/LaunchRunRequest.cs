// TEMPORARY SEAM (integration lead): the public surface of the launch rehearsal, so the parts can be built in
// parallel. Each helper replaces its own part with the real code, in its own file, and deletes its section here.
using HashtagBench.ClusterSim;
using HashtagBench.Contracts;
using HashtagBench.Provisioning;
using HashtagBench.WaitingRoom;
using StackExchange.Redis;

namespace HashtagBench.Load.Rehearsal;

/// <summary>What one live launch run is asked to do (one strategy).</summary>
/// <param name="Launch">Already scaled (<see cref="LaunchScaling.Scale"/>).</param>
/// <param name="KeyPrefix">Before every key, outside any hash tag, e.g. "hb:1a2b3c4d:".</param>
/// <param name="MaxSeconds">Hard stop: users still waiting then are counted Unfinished.</param>
public sealed record LaunchRunRequest(Launch Launch, double Scale, string ScaleNote, WaitingRoomSchema Schema, string RunId, string KeyPrefix,
    bool KeepData = false, double MaxSeconds = 600, TimeSpan? RequestTimeout = null);

// ---- part B (wt-b) replaces this section with the real comparer in LaunchComparer.cs ----
public static partial class LaunchComparer
{
    /// <summary>
    /// The prediction for exactly this run: `sim --launch` on the same scaled file and seed, on the live slot map
    /// (<paramref name="liveTopology"/>), with the run's key prefix (untagged keys move with it).
    /// </summary>
    public static LaunchStrategyResult Predict(Launch scaledLaunch, WaitingRoomSchema schema, Topology liveTopology, string keyPrefix) =>
        throw new NotImplementedException("part B");

    /// <summary>Per node and per command: measured share of all commands the servers counted against the predicted share.</summary>
    public static LaunchComparison Compare(LaunchStrategyResult predicted, LaunchRunResult measured, double tolerancePp = 2) =>
        throw new NotImplementedException("part B");
}
