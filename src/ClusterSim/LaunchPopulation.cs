using HashtagBench.WaitingRoom;
using System.Globalization;

namespace HashtagBench.ClusterSim;

/// <summary>
/// Who takes part in a launch, drawn once from the file's seed: each user's ID (or "anonymous") and client IP, and
/// each visit's event, arrival time and tokens. Every random ID is a real string hashed to its real slot, so the
/// placement of random keys is one Monte Carlo draw from the seed (not an expectation).
/// </summary>
public sealed class LaunchPopulation
{
    public const string AnonymousUser = "anonymous";

    private readonly string[] _userIds, _clientIps;
    private readonly int[] _visitUser, _visitEvent, _visitIteration;
    private readonly double[] _visitArrival;
    private readonly ulong _seed;
    private readonly KeyArgs?[] _visitArgs;

    /// <param name="ct">Stops the draws (up to ten million visits): <see cref="OperationCanceledException"/>.</param>
    public LaunchPopulation(Launch launch, CancellationToken ct = default)
    {
        Launch = launch;
        LaunchFile f = launch.File;
        _seed = f.Seed;
        int users = f.Arrival.Users ?? launch.Users;
        int iterations = f.Arrival.IterationsPerUser;
        _userIds = new string[users];
        for (int u = 0; u < users; u++)
        {
            HostLimits.Check(u, ct);
            var rng = new SplitMix64(SplitMix64.Mix(_seed, (ulong)u * 2 + 1));
            _userIds[u] = Unit(rng.Next()) < f.AnonymousShare ? AnonymousUser : IdGen.Of("u-", rng.Next());
        }
        // User u sends from IP u mod ips: with more IPs than users the extra ones never send (and would only take memory).
        int ips = Math.Min(f.ClientIps ?? users, users);
        _clientIps = new string[ips];
        for (int i = 0; i < ips; i++) _clientIps[i] = string.Create(CultureInfo.InvariantCulture, $"10.{i >> 16 & 255}.{i >> 8 & 255}.{i & 255}");

        int visits = users * iterations;
        _visitUser = new int[visits];
        _visitEvent = new int[visits];
        _visitIteration = new int[visits];
        _visitArrival = new double[visits];
        _visitArgs = new KeyArgs?[visits];
        double[] cumulative = new double[launch.EventShares.Count];
        double sum = 0;
        for (int e = 0; e < cumulative.Length; e++) cumulative[e] = sum += launch.EventShares[e];
        for (int v = 0; v < visits; v++)
        {
            HostLimits.Check(v, ct);
            int u = v / iterations;
            _visitUser[v] = u;
            _visitIteration[v] = v % iterations;
            var rng = Rng(v, 0);
            int e = Array.BinarySearch(cumulative, Unit(rng.Next()) * sum);
            _visitEvent[v] = Math.Min(e < 0 ? ~e : e, cumulative.Length - 1);
            _visitArrival[v] = ArrivalOf(f.Arrival, u, users);
        }
    }

    public Launch Launch { get; }
    public int Users => _userIds.Length;
    public int Visits => _visitUser.Length;
    public int UserOf(int visit) => _visitUser[visit];
    public int EventOf(int visit) => _visitEvent[visit];
    public int IterationOf(int visit) => _visitIteration[visit];
    public string UserId(int user) => _userIds[user];
    public bool IsAnonymous(int user) => ReferenceEquals(_userIds[user], AnonymousUser);
    public int ClientIpOf(int user) => user % _clientIps.Length;
    public int ClientIpCount => _clientIps.Length;

    /// <summary>When the visit's user first arrives (later iterations start when the one before ends).</summary>
    public double ArrivalOf(int visit) => _visitArrival[visit];

    /// <summary>The visit's random stream number <paramref name="stream"/> (0: event choice, 1: behaviour, 2: poll jitter).</summary>
    internal SplitMix64 Rng(int visit, int stream) => new(SplitMix64.Mix(_seed ^ 0xA5A5_0000_0000_0000UL, (ulong)visit * 4 + (ulong)stream));

    /// <summary>
    /// The keys' inputs for request <paramref name="ordinal"/> of a visit: event, user, tokens and IP belong to the
    /// visit; the idempotency key is per request (ordinal 0: the join, and its retries, which resend the same key).
    /// </summary>
    public KeyArgs ArgsFor(int visit, int ordinal)
    {
        KeyArgs visitArgs = _visitArgs[visit] ??= VisitArgs(visit);
        return ordinal == 0 ? visitArgs : visitArgs with { IdempotencyKey = IdempotencyKey(visit, ordinal) };
    }

    private KeyArgs VisitArgs(int visit)
    {
        int u = _visitUser[visit];
        ulong v = (ulong)visit;
        return new KeyArgs(Launch.EventIds[_visitEvent[visit]], _userIds[u], IdempotencyKey(visit, 0),
            IdGen.Of("wt-", SplitMix64.Mix(_seed + 12, v)),
            IdGen.Of("rt-", SplitMix64.Mix(_seed + 13, v)),
            _clientIps[ClientIpOf(u)],
            "s" + (SplitMix64.Mix(_seed + 14, v) % 10_000).ToString(CultureInfo.InvariantCulture));
    }

    private string IdempotencyKey(int visit, int ordinal) => IdGen.Of("k-", SplitMix64.Mix(_seed + 11, (ulong)visit << 16 | (uint)ordinal));

    internal static double Unit(ulong r) => (r >> 11) * (1.0 / (1UL << 53));

    // Users start at evenly spaced times (k6: spread over overSeconds) or where the ramp's running total reaches u + ½.
    private static double ArrivalOf(ArrivalProfile a, int u, int users)
    {
        if (a.Ramp is not { } ramp) return a.OverSeconds <= 0 ? 0 : (u + 0.5) * a.OverSeconds / users;
        double target = u + 0.5, done = 0;
        for (int i = 1; i < ramp.Count; i++)
        {
            double t0 = ramp[i - 1].AtSeconds, dt = ramp[i].AtSeconds - t0, r0 = ramp[i - 1].UsersPerSecond, r1 = ramp[i].UsersPerSecond;
            double area = dt * (r0 + r1) / 2;
            if (done + area >= target && area > 0)
            {
                // Solve done + r0·x + (r1 − r0)/(2·dt)·x² = target for x in [0, dt].
                double need = target - done, slope = (r1 - r0) / dt;
                double x = Math.Abs(slope) < 1e-12 ? need / r0 : (-r0 + Math.Sqrt(Math.Max(0, r0 * r0 + 2 * slope * need))) / slope;
                return t0 + Math.Clamp(x, 0, dt);
            }
            done += area;
        }
        return ramp[^1].AtSeconds;
    }
}
