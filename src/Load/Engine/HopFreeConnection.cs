using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading.Tasks.Sources;

namespace HashtagBench.Load.Engine;

/// <summary>
/// A reply's outline: its RESP type byte ('+', '-', ':', '$', '*'), the first integer it carries (the reply itself for
/// ':', the first element for an array, as the enqueue script's {1, id}), and an error's text.
/// </summary>
public readonly record struct RespReply(byte Kind, long? Integer, string? Error)
{
    public bool IsError => Kind == (byte)'-';
}

/// <summary>
/// One plain-TCP connection to one node that costs no thread hop per call: the caller writes its command on its own
/// thread (one send), one reader thread per connection blocks in recv, scans each reply and completes the pending call
/// inline, so the call's continuation (the engine's recording, and a closed-model copy's next command) runs on the
/// reader thread. Commands sent while a batch of replies is being completed go out in one send at the batch's end.
/// Replies are matched to calls in order (RESP answers in order on one connection). No TLS, no AUTH, no cluster
/// routing: the load path's client for one node (bench launch-ceiling), where StackExchange.Redis's thread-pool hops
/// per reply were the client's cost (docs/results.md, client cost per call).
/// </summary>
public sealed class HopFreeConnection : IDisposable
{
    private readonly Socket _socket;
    private readonly Queue<RespCall> _pending = new();
    private readonly Lock _gate = new();
    private readonly byte[] _out = new byte[1 << 16];
    private int _outLength;
    private bool _batching, _closed;
    private readonly Thread _reader;

    private HopFreeConnection(Socket socket)
    {
        _socket = socket;
        _reader = new Thread(ReadLoop) { IsBackground = true, Name = "resp-reader" };
        _reader.Start();
    }

    /// <summary>Connects to <paramref name="hostPort"/> ("127.0.0.1:6379").</summary>
    public static async Task<HopFreeConnection> OpenAsync(string hostPort, CancellationToken ct = default)
    {
        int colon = hostPort.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(hostPort.AsSpan(colon + 1), out int port)) throw new ArgumentException($"'{hostPort}' is not host:port.", nameof(hostPort));
        string host = hostPort[..colon].Trim('[', ']');
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try { await socket.ConnectAsync(IPAddress.TryParse(host, out IPAddress? ip) ? new IPEndPoint(ip, port) : new DnsEndPoint(host, port), ct).ConfigureAwait(false); }
        catch { socket.Dispose(); throw; }
        return new HopFreeConnection(socket);
    }

    /// <summary>
    /// Sends <paramref name="command"/> (one RESP command, e.g. from <see cref="RespCommand.Write"/>) and returns the
    /// reply through <paramref name="call"/>, which must have no other call in flight. A closed connection answers
    /// an error reply, never an exception.
    /// </summary>
    public ValueTask<RespReply> SendAsync(RespCall call, ReadOnlySpan<byte> command)
    {
        ValueTask<RespReply> reply = call.Begin();
        bool failed = false;
        lock (_gate)
        {
            if (_closed) failed = true;
            else
            {
                _pending.Enqueue(call);
                if (_batching && _outLength + command.Length <= _out.Length)
                {
                    command.CopyTo(_out.AsSpan(_outLength));
                    _outLength += command.Length;
                }
                else
                {
                    // Whatever a batch has buffered goes first: the replies come back in the order of the bytes.
                    try { Flush(); SendAll(command); }
                    catch (Exception ex) when (ex is SocketException or ObjectDisposedException) { failed = true; }
                }
            }
        }
        if (failed) { Close(); if (!call.Completed) call.Complete(Closed); }
        return reply;
    }

    private static readonly RespReply Closed = new((byte)'-', null, "connection closed");

    private void Flush()
    {
        if (_outLength == 0) return;
        SendAll(_out.AsSpan(0, _outLength));
        _outLength = 0;
    }

    private void SendAll(ReadOnlySpan<byte> bytes)
    {
        while (bytes.Length > 0) bytes = bytes[_socket.Send(bytes)..];
    }

    private void ReadLoop()
    {
        byte[] buffer = new byte[1 << 16];
        int have = 0;
        try
        {
            while (true)
            {
                if (have == buffer.Length) Array.Resize(ref buffer, buffer.Length * 2); // a reply larger than the buffer
                int n = _socket.Receive(buffer, have, buffer.Length - have, SocketFlags.None);
                if (n <= 0) break;
                have += n;
                int at = 0;
                lock (_gate) _batching = true;
                while (RespScan.Frame(buffer.AsSpan(at, have - at), out int used, out RespReply reply))
                {
                    at += used;
                    RespCall? call;
                    lock (_gate) _pending.TryDequeue(out call);
                    call?.Complete(reply); // inline: the caller's continuation runs here
                }
                lock (_gate)
                {
                    _batching = false;
                    Flush();
                }
                if (at > 0) { Buffer.BlockCopy(buffer, at, buffer, 0, have - at); have -= at; }
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException) { }
        Close();
    }

    /// <summary>Closes the socket; every call still waiting is answered "connection closed".</summary>
    private void Close()
    {
        RespCall[] waiting;
        lock (_gate)
        {
            if (_closed && _pending.Count == 0) return;
            _closed = true;
            waiting = [.. _pending];
            _pending.Clear();
        }
        try { _socket.Shutdown(SocketShutdown.Both); } catch (Exception ex) when (ex is SocketException or ObjectDisposedException) { }
        _socket.Dispose();
        foreach (RespCall c in waiting) c.Complete(Closed);
    }

    public void Dispose() => Close();
}

/// <summary>One caller's reusable pending reply: no allocation per call. One call in flight at a time.</summary>
public sealed class RespCall : IValueTaskSource<RespReply>
{
    private ManualResetValueTaskSourceCore<RespReply> _core; // continuations run inline, on the thread that completes
    private int _state; // 0 idle, 1 in flight, 2 completed

    internal bool Completed => Volatile.Read(ref _state) == 2;

    internal ValueTask<RespReply> Begin()
    {
        if (Interlocked.Exchange(ref _state, 1) == 1) throw new InvalidOperationException("A RespCall carries one call at a time.");
        _core.Reset();
        return new ValueTask<RespReply>(this, _core.Version);
    }

    internal void Complete(RespReply reply)
    {
        if (Interlocked.CompareExchange(ref _state, 2, 1) == 1) _core.SetResult(reply);
    }

    public RespReply GetResult(short token)
    {
        RespReply r = _core.GetResult(token);
        Volatile.Write(ref _state, 0);
        return r;
    }

    public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

    public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);
}

/// <summary>A RESP command as an array of bulk strings, written into a caller's buffer.</summary>
public static class RespCommand
{
    /// <summary>Writes <paramref name="args"/> (UTF-8) as one command into <paramref name="destination"/>; returns its length.</summary>
    public static int Write(Span<byte> destination, params ReadOnlySpan<string> args)
    {
        int at = Header(destination, (byte)'*', args.Length);
        foreach (string a in args)
        {
            int bytes = Encoding.UTF8.GetByteCount(a);
            at += Header(destination[at..], (byte)'$', bytes);
            at += Encoding.UTF8.GetBytes(a, destination[at..]);
            destination[at++] = (byte)'\r';
            destination[at++] = (byte)'\n';
        }
        return at;
    }

    private static int Header(Span<byte> d, byte prefix, int n)
    {
        d[0] = prefix;
        if (!n.TryFormat(d[1..], out int digits, provider: System.Globalization.CultureInfo.InvariantCulture)) throw new ArgumentException("The buffer is too small.");
        d[1 + digits] = (byte)'\r';
        d[2 + digits] = (byte)'\n';
        return 3 + digits;
    }
}

/// <summary>Finds where one RESP2/RESP3 reply ends in a buffer, and its outline.</summary>
internal static class RespScan
{
    /// <summary>True when <paramref name="b"/> starts with a whole reply (<paramref name="used"/> bytes long).</summary>
    public static bool Frame(ReadOnlySpan<byte> b, out int used, out RespReply reply)
    {
        used = 0;
        reply = default;
        if (!Element(b, ref used, out byte kind, out long? integer, out int textStart, out int textLength)) return false;
        long? first = null; // a bulk's number is its length, not a value
        if (kind is (byte)'*' or (byte)'~' or (byte)'>' or (byte)'%')
        {
            long count = integer ?? -1;
            if (kind == (byte)'%') count *= 2;
            for (long i = 0; i < count; i++)
            {
                if (!Frame(b[used..], out int u, out RespReply child)) return false;
                used += u;
                if (i == 0) first = child.Kind == (byte)':' ? child.Integer : null;
            }
        }
        string? error = kind is (byte)'-' or (byte)'!' ? Encoding.UTF8.GetString(b.Slice(textStart, textLength)) : null;
        reply = new RespReply(kind == (byte)'!' ? (byte)'-' : kind, kind == (byte)':' ? integer : first, error);
        return true;
    }

    // One element's header (and a bulk's body): its kind, its number (length, count or integer) and its text's place.
    private static bool Element(ReadOnlySpan<byte> b, ref int used, out byte kind, out long? number, out int textStart, out int textLength)
    {
        kind = 0; number = null; textStart = 0; textLength = 0;
        if (b.Length == 0) return false;
        int eol = b.IndexOf((byte)'\n');
        if (eol < 1) return false;
        kind = b[0];
        ReadOnlySpan<byte> line = b[1..(eol - 1)];
        used = eol + 1;
        if (kind is (byte)'$' or (byte)'!' or (byte)'=')
        {
            long length = Parse(line);
            number = length;
            if (length < 0) return true; // null bulk
            if (b.Length < used + length + 2) return false;
            textStart = used;
            textLength = (int)length;
            used += (int)length + 2;
            return true;
        }
        if (kind is (byte)':' or (byte)'*' or (byte)'~' or (byte)'>' or (byte)'%') number = Parse(line);
        textStart = 1;
        textLength = line.Length;
        return true;
    }

    private static long Parse(ReadOnlySpan<byte> digits)
    {
        bool negative = digits.Length > 0 && digits[0] == (byte)'-';
        long v = 0;
        for (int i = negative ? 1 : 0; i < digits.Length; i++) v = v * 10 + (digits[i] - '0');
        return negative ? -v : v;
    }
}
