using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace HashtagBench.Provisioning;

/// <summary>Loopback ports for a cluster started on this machine.</summary>
internal static class LoopbackPorts
{
    private const int BusOffset = 10000, Span = 10000;

    /// <summary>
    /// <paramref name="count"/> consecutive ports where each port p and its cluster bus port p+10000 are free, with
    /// every bus port below the kernel's ephemeral range (ip_local_port_range, 32768 by default): there an outbound
    /// connection, of which the tests open thousands, can take a bus port between this check and the node's bind,
    /// and the node then exits with "Address already in use". The start is random, so parallel runs rarely collide.
    /// </summary>
    public static int[] ClusterBlock(int count)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        (int low, int high) = Range(EphemeralLow());
        for (int attempt = 0; attempt < 50; attempt++)
        {
            int start = Random.Shared.Next(low, high - count);
            int[] ports = [.. Enumerable.Range(start, count)];
            if (ports.All(p => IsFree(p) && IsFree(p + BusOffset))) return ports;
        }
        throw new ClusterProvisioningException($"Could not find {count} free loopback ports (and their +{BusOffset} bus ports) in {low}-{high - 1}.");
    }

    /// <summary>The ports a block's first node may take: ending where its bus port would enter the ephemeral range.</summary>
    internal static (int Low, int High) Range(int? ephemeralLow)
    {
        int high = (ephemeralLow ?? 32768) - BusOffset;
        // A kernel whose ephemeral range starts too low to fit a span below it: the old fixed range, checked as before.
        return high - Span >= 1024 ? (high - Span, high) : (20000, 30000);
    }

    private static int? EphemeralLow()
    {
        try
        {
            string[] f = File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            return f.Length > 0 && int.TryParse(f[0], NumberStyles.None, CultureInfo.InvariantCulture, out int low) ? low : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { return null; }
    }

    private static bool IsFree(int port)
    {
        try
        {
            var l = new TcpListener(IPAddress.Loopback, port);
            l.Start();
            l.Stop();
            return true;
        }
        catch (SocketException) { return false; }
    }
}
