using HashtagBench.ClusterSim;
using HashtagBench.Contracts;

namespace HashtagBench.Load.Scenarios;

/// <summary>
/// Who joins which event: events drawn by popularity (cumulative weights + binary search), users uniformly.
/// Event IDs carry a run prefix so repeated runs on one cluster never see each other's dedupe keys.
/// </summary>
public sealed class JoinWorkload
{
    private readonly double[] _cumulative;
    private readonly string[] _events;
    private readonly int _users;
    private readonly string _run;
    private readonly string _keyPrefix;
    private readonly int _agent, _agents;

    /// <param name="agent">A load agent's slice: it draws only users u with u mod N = i, and its idempotency keys carry "-a{i}", so no two agents share either.</param>
    public JoinWorkload(int events, Popularity popularity, int users, string runPrefix, AgentSlice? agent = null)
    {
        double[] w = popularity.Weights(events);
        _cumulative = new double[w.Length];
        double sum = 0;
        for (int i = 0; i < w.Length; i++) _cumulative[i] = sum += w[i];
        _events = Enumerable.Range(0, events).Select(i => $"{runPrefix}-evt{i}").ToArray();
        _users = users;
        _run = runPrefix;
        (_agent, _agents) = agent is null ? (0, 1) : (agent.Index, agent.Count);
        _keyPrefix = agent is null ? runPrefix : $"{runPrefix}-a{agent.Index}";
    }

    public IReadOnlyList<string> Events => _events;

    public string NextEvent(Random rng)
    {
        int i = Array.BinarySearch(_cumulative, rng.NextDouble() * _cumulative[^1]);
        return _events[Math.Min(i < 0 ? ~i : i, _events.Length - 1)];
    }

    /// <summary>A user of this workload's slice: every N-th user from the agent's index (all users for a single process).</summary>
    public string NextUser(Random rng) => $"{_run}-u{rng.Next((_users - _agent + _agents - 1) / _agents) * _agents + _agent}";

    /// <summary>
    /// A fresh idempotency key, as a gateway makes for a first attempt. It carries the run's prefix, as every key the
    /// harness writes does: the legacy strategy's dedupe key is nothing but this key, and cleanup finds keys by prefix.
    /// </summary>
    public string NewIdempotencyKey() => NewIdempotencyKey(_keyPrefix);

    public static string NewIdempotencyKey(string runPrefix) => $"{runPrefix}-{Guid.NewGuid():N}";
}
