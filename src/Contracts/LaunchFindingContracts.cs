namespace HashtagBench.Contracts;

/// <summary>
/// `XRANGE - +` on one shared anonymous stream as it grows (StreamGrowthProbe): the Leave/expiry cleanup reads the
/// whole stream to find one entry, so its cost grows with the stream. Times in ms; null when nothing was measured.
/// </summary>
/// <param name="Node">The primary that holds the stream (where the server time was read).</param>
/// <param name="KeyRemoved">The probe's stream was deleted afterwards and is gone.</param>
public sealed record StreamGrowthResult(string StreamKey, string Node, IReadOnlyList<StreamGrowthPoint> Points, bool KeyRemoved);

/// <summary>One size: <paramref name="Calls"/> sequential XRANGE - + calls on a stream of <paramref name="Entries"/> entries.</summary>
/// <param name="ClientP50Ms">Client latency, send to parsed reply.</param>
/// <param name="ServerUsecPerCall">INFO commandstats xrange usec delta over calls delta on the stream's node; null when the node counted none.</param>
public sealed record StreamGrowthPoint(int Entries, int Calls, double ClientP50Ms, double ClientP99Ms, double? ServerUsecPerCall);
