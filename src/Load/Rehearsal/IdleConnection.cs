using HashtagBench.Provisioning;
using System.Globalization;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace HashtagBench.Load.Rehearsal;

/// <summary>
/// One of a go-redis pool's idle connections: connected, authenticated (ACL user and password, TLS with the
/// cluster's CA), named, READONLY on a replica when reads go there, and then silent until closed. It costs the server
/// what an idle client costs (its memory, its share of the per-client cron) and the harness a socket, not a multiplexer.
/// </summary>
internal sealed class IdleConnection : IDisposable
{
    private readonly Socket _socket;
    private readonly Stream _stream;

    private IdleConnection(Socket socket, Stream stream)
    {
        _socket = socket;
        _stream = stream;
    }

    /// <summary>Connects and sends the handshake in one write; throws <see cref="ClusterProvisioningException"/> with the server's error (never the password).</summary>
    public static async Task<IdleConnection> OpenAsync(string endpoint, ExternalEndpoint? auth, bool readOnly, string clientName, CancellationToken ct)
    {
        (string host, int port) = Split(endpoint);
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        Stream? stream = null;
        try
        {
            await socket.ConnectAsync(host, port, ct).ConfigureAwait(false);
            stream = new NetworkStream(socket, ownsSocket: false);
            if (auth is { Tls: true })
            {
                var ssl = new SslStream(stream, leaveInnerStreamOpen: false, Validator(auth.CaFile));
                stream = ssl;
                await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = host }, ct).ConfigureAwait(false);
            }
            var commands = new List<string[]>(3);
            if (auth?.Password is { } password) commands.Add(auth.User is { } user ? ["AUTH", user, password] : ["AUTH", password]);
            commands.Add(["CLIENT", "SETNAME", clientName]);
            if (readOnly) commands.Add(["READONLY"]);
            await stream.WriteAsync(Encode(commands), ct).ConfigureAwait(false);
            await stream.FlushAsync(ct).ConfigureAwait(false);
            string? error = await ReadStatusRepliesAsync(stream, commands.Count, ct).ConfigureAwait(false);
            if (error is not null) throw new ClusterProvisioningException($"{endpoint} refused an idle gateway connection: {error}");
            return new IdleConnection(socket, stream);
        }
        catch
        {
            stream?.Dispose();
            socket.Dispose();
            throw;
        }
    }

    /// <summary>RESP arrays of bulk strings, one after the other: one write, one round trip.</summary>
    internal static byte[] Encode(IEnumerable<string[]> commands)
    {
        var sb = new StringBuilder();
        foreach (string[] command in commands)
        {
            sb.Append('*').Append(command.Length.ToString(CultureInfo.InvariantCulture)).Append("\r\n");
            foreach (string part in command)
                sb.Append('$').Append(Encoding.UTF8.GetByteCount(part).ToString(CultureInfo.InvariantCulture)).Append("\r\n").Append(part).Append("\r\n");
        }
        return Encoding.UTF8.GetBytes(sb.ToString());
    }

    /// <summary>Reads <paramref name="count"/> one-line replies (+OK or -ERR …); the first error's text, or null when all were OK.</summary>
    internal static async Task<string?> ReadStatusRepliesAsync(Stream stream, int count, CancellationToken ct)
    {
        var line = new StringBuilder();
        string? error = null;
        byte[] buffer = new byte[512];
        while (count > 0)
        {
            int n = await stream.ReadAsync(buffer, ct).ConfigureAwait(false);
            if (n == 0) throw new IOException($"The server closed the connection with {count} handshake repl{(count == 1 ? "y" : "ies")} outstanding.");
            for (int i = 0; i < n && count > 0; i++)
            {
                char ch = (char)buffer[i];
                if (ch != '\n') { line.Append(ch); continue; }
                string reply = line.ToString().TrimEnd('\r');
                line.Clear();
                count--;
                if (reply.StartsWith('-')) error ??= reply[1..];
                else if (!reply.StartsWith('+')) error ??= $"unexpected handshake reply '{reply}'";
            }
        }
        return error;
    }

    private static (string Host, int Port) Split(string endpoint)
    {
        int colon = endpoint.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(endpoint.AsSpan(colon + 1), NumberStyles.Integer, CultureInfo.InvariantCulture, out int port))
            throw new ArgumentException($"'{endpoint}' is not host:port.", nameof(endpoint));
        return (endpoint[..colon].Trim('[', ']'), port);
    }

    // As ConfigurationOptions.TrustIssuer does: a chain error is forgiven when the chain ends at the given CA; a name
    // mismatch never is. Without a CA file the system's trust decides.
    private static RemoteCertificateValidationCallback Validator(string? caFile)
    {
        if (caFile is null) return static (_, _, _, errors) => errors == SslPolicyErrors.None;
        X509Certificate2 ca = X509CertificateLoader.LoadCertificateFromFile(caFile);
        return (_, certificate, _, errors) =>
        {
            if (errors == SslPolicyErrors.None) return true;
            if (errors != SslPolicyErrors.RemoteCertificateChainErrors || certificate is null) return false;
            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.Add(ca);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            return chain.Build(certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()));
        };
    }

    public void Dispose()
    {
        _stream.Dispose();
        _socket.Dispose();
    }
}
