using HashtagBench.WaitingRoom;

namespace HashtagBench.Load.Rehearsal;

/// <summary>What one live launch run is asked to do (one strategy).</summary>
/// <param name="Launch">Already scaled (<see cref="LaunchScaling.Scale"/>).</param>
/// <param name="KeyPrefix">Before every key, outside any hash tag, e.g. "hb:1a2b3c4d:".</param>
/// <param name="MaxSeconds">Hard stop: users still waiting then are counted Unfinished.</param>
/// <param name="ClientMode">How the gateway's client meets the servers instead of the file's <c>client.mode</c>; null: the file's.</param>
public sealed record LaunchRunRequest(Launch Launch, double Scale, string ScaleNote, WaitingRoomSchema Schema, string RunId, string KeyPrefix,
    bool KeepData = false, double MaxSeconds = 600, TimeSpan? RequestTimeout = null, ClientMode? ClientMode = null)
{
    /// <summary>The launch file's client shape with this run's mode.</summary>
    public ClientShape Client => Launch.File.Client with { Mode = ClientMode ?? Launch.File.Client.Mode };
}
