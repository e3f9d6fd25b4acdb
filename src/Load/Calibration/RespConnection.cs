using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace HashtagBench.Load.Calibration;

/// <summary>How to open a raw connection to one node: its address, TLS (and a private CA) and the ACL login.</summary>
internal sealed record NodeAddress(string Host, int Port, bool Tls = false, string? CaFile = null, string? User = null, string? Password = null)
{
    public override string ToString() => $"{Host}:{Port}{(Tls ? " (TLS)" : "")}"; // never the password
}

/// <summary>A RESP error reply, or a connection that broke mid-reply.</summary>
public sealed class RespException(string message) : Exception(message);

/// <summary>
/// One raw RESP connection (a socket, or TLS over it) for the calibration's load generator: it writes a prepared
/// batch in one write and counts the replies, so the server sees exactly one connection and the batch's commands in
/// one read. StackExchange.Redis cannot promise that shape (its multiplexer pipelines whatever is queued).
/// </summary>
internal sealed class RespConnection : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly Stream _stream;
    private readonly byte[] _buffer = new byte[64 * 1024];
    private int _start, _end;

    private RespConnection(Socket socket, Stream stream) => (_socket, _stream) = (socket, stream);

    /// <summary>Connects, does the TLS handshake when asked, and logs in (AUTH) when there is a password.</summary>
    public static async Task<RespConnection> OpenAsync(NodeAddress node, CancellationToken ct)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(node.Host, node.Port, ct).ConfigureAwait(false);
            Stream stream = new NetworkStream(socket, ownsSocket: false);
            if (node.Tls)
            {
                var ssl = new SslStream(stream, leaveInnerStreamOpen: false, Validator(node.CaFile));
                await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = node.Host }, ct).ConfigureAwait(false);
                stream = ssl;
            }
            var c = new RespConnection(socket, stream);
            if (node.Password is { } password)
            {
                c.Send(node.User is { } user ? Encode("AUTH", user, password) : Encode("AUTH", password));
                await c.ReadRepliesAsync(1, ct).ConfigureAwait(false);
            }
            return c;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    // The system's trust store, or only certificates chaining to the given CA (as StackExchange.Redis's TrustIssuer).
    private static RemoteCertificateValidationCallback? Validator(string? caFile)
    {
        if (caFile is null) return null;
        X509Certificate2 ca = X509CertificateLoader.LoadCertificateFromFile(caFile);
        return (_, cert, _, errors) =>
        {
            if (errors == SslPolicyErrors.None) return true;
            if (cert is null || (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) != SslPolicyErrors.None) return false;
            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.Add(ca);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            return chain.Build(new X509Certificate2(cert));
        };
    }

    /// <summary>A command in RESP (an array of bulk strings).</summary>
    public static byte[] Encode(params string[] parts)
    {
        var sb = new StringBuilder().Append('*').Append(parts.Length).Append("\r\n");
        foreach (string p in parts) sb.Append('$').Append(Encoding.UTF8.GetByteCount(p)).Append("\r\n").Append(p).Append("\r\n");
        return Encoding.UTF8.GetBytes(sb.ToString());
    }

    /// <summary>Writes the whole batch in one write (one TCP send for anything under a segment).</summary>
    public void Send(byte[] batch) => _stream.Write(batch);

    /// <summary>Reads until <paramref name="count"/> whole replies have arrived; an error reply throws with its text.</summary>
    public async Task ReadRepliesAsync(int count, CancellationToken ct)
    {
        string? error = null;
        while (count > 0)
        {
            while (count > 0 && TryReply(out string? e))
            {
                count--;
                error ??= e;
            }
            if (count == 0) break;
            if (_start > 0)
            {
                Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
                (_end, _start) = (_end - _start, 0);
            }
            if (_end == _buffer.Length) throw new RespException("A reply larger than 64 KiB: not a calibration command's.");
            int n = await _stream.ReadAsync(_buffer.AsMemory(_end), ct).ConfigureAwait(false);
            if (n == 0) throw new RespException("The server closed the connection.");
            _end += n;
        }
        if (error is not null) throw new RespException(error);
    }

    // One simple, error, integer or bulk reply from the buffer, if it is all there.
    private bool TryReply(out string? error)
    {
        error = null;
        int eol = Array.IndexOf(_buffer, (byte)'\n', _start, _end - _start);
        if (eol < 0) return false;
        byte type = _buffer[_start];
        int next = eol + 1;
        switch (type)
        {
            case (byte)'+' or (byte)':':
                break;
            case (byte)'-':
                error = Encoding.UTF8.GetString(_buffer, _start + 1, eol - _start - 2);
                break;
            case (byte)'$':
                int length = int.Parse(Encoding.ASCII.GetString(_buffer, _start + 1, eol - _start - 2), System.Globalization.CultureInfo.InvariantCulture);
                if (length >= 0)
                {
                    next += length + 2;
                    if (next > _end) return false;
                }
                break;
            default:
                throw new RespException($"Unexpected RESP reply type '{(char)type}'.");
        }
        _start = next;
        return true;
    }

    public async ValueTask DisposeAsync()
    {
        try { await _stream.DisposeAsync().ConfigureAwait(false); }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException) { }
        _socket.Dispose();
    }
}
