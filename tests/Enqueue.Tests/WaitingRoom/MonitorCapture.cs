using StackExchange.Redis;
using System.Net.Sockets;
using System.Text;

namespace HashtagBench.Enqueue.Tests.WaitingRoom;

/// <summary>One command as MONITOR printed it: name upper-cased, then its arguments.</summary>
public sealed record Monitored(string Name, IReadOnlyList<string> Args, bool FromLua)
{
    public override string ToString() => $"{(FromLua ? "[lua] " : "")}{Name} {string.Join(' ', Args)}";
}

/// <summary>
/// MONITOR on one redis-server over a raw socket (StackExchange.Redis has no MONITOR): every command the server
/// runs, in its execution order, including the ones a Lua script runs (marked <see cref="Monitored.FromLua"/>).
/// <see cref="CaptureAsync"/> brackets an action with ECHO markers sent through the client under test, so it gets
/// exactly the commands that ran between them.
/// </summary>
public sealed class MonitorCapture : IAsyncDisposable
{
    private readonly TcpClient _tcp;
    private readonly StreamReader _reader;
    private readonly List<Monitored> _seen = [];
    private readonly Task _pump;
    private readonly SemaphoreSlim _arrived = new(0);

    private MonitorCapture(TcpClient tcp)
    {
        _tcp = tcp;
        _reader = new StreamReader(tcp.GetStream(), Encoding.UTF8);
        _pump = Task.Run(PumpAsync);
    }

    public static async Task<MonitorCapture> StartAsync(int port)
    {
        var tcp = new TcpClient();
        await tcp.ConnectAsync("127.0.0.1", port);
        await tcp.GetStream().WriteAsync("MONITOR\r\n"u8.ToArray());
        var m = new MonitorCapture(tcp);
        return m;
    }

    /// <summary>The commands <paramref name="action"/> made the server run, housekeeping (PING, INFO, …) left out.</summary>
    public async Task<List<Monitored>> CaptureAsync(IDatabase db, Func<Task> action)
    {
        string start = "capture-start-" + Guid.NewGuid().ToString("N"), end = "capture-end-" + Guid.NewGuid().ToString("N");
        await db.ExecuteAsync("ECHO", start);
        await action();
        await db.ExecuteAsync("ECHO", end);
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (true)
        {
            lock (_seen)
            {
                int s = _seen.FindIndex(m => m.Name == "ECHO" && m.Args[0] == start), e = _seen.FindIndex(m => m.Name == "ECHO" && m.Args[0] == end);
                if (s >= 0 && e > s)
                    return _seen.GetRange(s + 1, e - s - 1).Where(m => !Housekeeping.Contains(m.Name)).ToList();
            }
            if (DateTime.UtcNow > until) throw new TimeoutException("MONITOR did not show the end marker within 10 s.");
            await _arrived.WaitAsync(TimeSpan.FromMilliseconds(200));
        }
    }

    // What StackExchange.Redis sends on its own (keep-alive, topology, tie-break), never part of a step.
    private static readonly HashSet<string> Housekeeping = ["PING", "ECHO", "INFO", "CLIENT", "CLUSTER", "CONFIG", "SUBSCRIBE", "HELLO", "SELECT", "READONLY"];

    private async Task PumpAsync()
    {
        try
        {
            while (await _reader.ReadLineAsync() is string line)
            {
                if (Parse(line) is Monitored m)
                {
                    lock (_seen) _seen.Add(m);
                    _arrived.Release();
                }
            }
        }
        catch (IOException) { }
        catch (ObjectDisposedException) { }
    }

    // +1700000000.123456 [0 127.0.0.1:5000] "SET" "k" "v"   (a RESP status line; a script's commands show [0 lua])
    internal static Monitored? Parse(string line)
    {
        int close = line.IndexOf("] ", StringComparison.Ordinal);
        if (close > 0 && line.IndexOf('[') is int open && open >= 0 && open < close)
        {
            bool lua = line[(open + 1)..close].EndsWith(" lua", StringComparison.Ordinal);
            var tokens = new List<string>();
            int i = close + 2;
            while (i < line.Length)
            {
                if (line[i] != '"') { i++; continue; }
                var sb = new StringBuilder();
                i++;
                while (i < line.Length && line[i] != '"')
                {
                    if (line[i] == '\\' && i + 1 < line.Length)
                    {
                        char n = line[i + 1];
                        if (n == 'x' && i + 3 < line.Length) { sb.Append((char)Convert.ToInt32(line.Substring(i + 2, 2), 16)); i += 4; continue; }
                        sb.Append(n switch { 'n' => '\n', 'r' => '\r', 't' => '\t', 'a' => '\a', 'b' => '\b', _ => n });
                        i += 2;
                        continue;
                    }
                    sb.Append(line[i++]);
                }
                i++;
                tokens.Add(sb.ToString());
            }
            if (tokens.Count > 0) return new(tokens[0].ToUpperInvariant(), tokens[1..], lua);
        }
        return null;
    }

    public async ValueTask DisposeAsync()
    {
        _tcp.Dispose();
        try { await _pump; } catch (Exception) { }
        _reader.Dispose();
    }
}
