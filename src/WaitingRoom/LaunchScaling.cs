using System.Globalization;

namespace HashtagBench.WaitingRoom;

/// <summary>
/// Shrinks a launch so it fits a small machine: users and every rate together, by one factor. Events, the entry
/// rule's ranks, the poll law, shares and the topology stay as written, so each event keeps its slot and each user
/// behaves as before; what changes is how many users each event holds. `sim --launch` and `load run launch` take the
/// same scaled file, so the prediction and the run describe the same, smaller launch.
/// </summary>
public static class LaunchScaling
{
    /// <summary>The scaled launch and one sentence saying what was scaled (for the report).</summary>
    /// <param name="factor">In (0, 1]; 1 gives the launch back unchanged.</param>
    public static (Launch Launch, string Note) Scale(Launch launch, double factor)
    {
        if (!(factor > 0 && factor <= 1)) throw new ArgumentException($"--scale must be in (0, 1] (got {factor.ToString(CultureInfo.InvariantCulture)}).");
        if (factor == 1) return (launch, "not scaled (1×)");
        LaunchFile f = launch.File;
        ArrivalProfile a = f.Arrival;
        ArrivalProfile arrival = a.Ramp is { } ramp
            ? new ArrivalProfile { Ramp = [.. ramp.Select(p => p with { UsersPerSecond = p.UsersPerSecond * factor })], IterationsPerUser = a.IterationsPerUser }
            : new ArrivalProfile { Users = Math.Max(1, (int)Math.Round(a.Users!.Value * factor)), OverSeconds = a.OverSeconds, IterationsPerUser = a.IterationsPerUser };
        AdmissionSettings admission = new()
        {
            BucketCapacity = Math.Max(1, f.Admission.BucketCapacity * factor),
            RefillPerSecond = f.Admission.RefillPerSecond * factor,
            EntryRule = f.Admission.EntryRule,
        };
        LaunchFile scaled = f with
        {
            Arrival = arrival,
            Admission = admission,
            ClientIps = f.ClientIps is { } ips ? Math.Max(1, (int)Math.Round(ips * factor)) : null,
        };
        Launch result = LaunchFileLoader.Check(scaled, launch.Source);
        string x = factor.ToString("0.###", CultureInfo.InvariantCulture);
        string note = $"scaled {x}×: {launch.Users:N0} → {result.Users:N0} users, arrival rates and the admission bucket " +
            $"({f.Admission.BucketCapacity:0.##} → {admission.BucketCapacity:0.##} tokens, {f.Admission.RefillPerSecond:0.##} → {admission.RefillPerSecond:0.##}/s)" +
            (f.ClientIps is not null ? $" and client IPs ({f.ClientIps:N0} → {scaled.ClientIps:N0})" : "") +
            $" × {x}; {launch.EventIds.Count:N0} events, entry ranks, poll law and topology unchanged";
        return (result, note);
    }
}
