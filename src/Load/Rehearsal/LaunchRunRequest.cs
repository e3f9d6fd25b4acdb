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
