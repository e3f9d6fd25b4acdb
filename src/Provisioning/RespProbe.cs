using System.Net.Sockets;
using System.Text;

namespace HashtagBench.Provisioning;

/// <summary>
/// A minimal RESP client for readiness checks on raw nodes (PING, CLUSTER INFO) before a cluster exists,
/// when StackExchange.Redis cannot connect yet. Not for the data path.
/// </summary>
internal static class RespProbe
{
    public static async Task<string> SendAsync(string host, int port, TimeSpan timeout, params string[] command)
    {
        using var cts = new CancellationTokenSource(timeout);
        using var client = new TcpClient { NoDelay = true };
        await client.ConnectAsync(host, port, cts.Token).ConfigureAwait(false);
        NetworkStream stream = client.GetStream();
        var sb = new StringBuilder().Append('*').Append(command.Length).Append("\r\n");
        foreach (string part in command)
            sb.Append('$').Append(Encoding.UTF8.GetByteCount(part)).Append("\r\n").Append(part).Append("\r\n");
        await stream.WriteAsync(Encoding.UTF8.GetBytes(sb.ToString()), cts.Token).ConfigureAwait(false);
        return await ReadReplyAsync(stream, cts.Token).ConfigureAwait(false);
    }

    /// <summary>True when the node answers PING within the timeout.</summary>
    public static async Task<bool> PingAsync(string host, int port, TimeSpan timeout)
    {
        try { return await SendAsync(host, port, timeout, "PING").ConfigureAwait(false) == "PONG"; }
        catch (Exception ex) when (ex is SocketException or IOException or OperationCanceledException or RespErrorException) { return false; }
    }

    private static async Task<string> ReadReplyAsync(Stream s, CancellationToken ct)
    {
        string line = await ReadLineAsync(s, ct).ConfigureAwait(false);
        switch (line[0])
        {
            case '+' or ':': return line[1..];
            case '-': throw new RespErrorException(line[1..]);
            case '$':
                int len = int.Parse(line.AsSpan(1));
                if (len < 0) return "";
                byte[] buf = new byte[len + 2];
                await s.ReadExactlyAsync(buf, ct).ConfigureAwait(false);
                return Encoding.UTF8.GetString(buf, 0, len);
            default: throw new IOException($"Unexpected RESP reply '{line}'.");
        }
    }

    private static async Task<string> ReadLineAsync(Stream s, CancellationToken ct)
    {
        var bytes = new List<byte>(64);
        byte[] one = new byte[1];
        while (true)
        {
            if (await s.ReadAsync(one, ct).ConfigureAwait(false) == 0) throw new IOException("Connection closed mid-reply.");
            if (one[0] == '\n' && bytes.Count > 0 && bytes[^1] == '\r') return Encoding.UTF8.GetString(bytes.ToArray(), 0, bytes.Count - 1);
            bytes.Add(one[0]);
        }
    }
}

internal sealed class RespErrorException(string message) : Exception(message);
