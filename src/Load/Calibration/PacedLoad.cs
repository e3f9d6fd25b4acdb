using System.Diagnostics;
using System.Net.Sockets;

namespace HashtagBench.Load.Calibration;

/// <summary>
/// The calibration's load: K connections to one node, each a closed loop with at most one batch of P commands in
/// flight. Paced: each connection's batches come due at exponential gaps (Poisson arrivals, as many independent
/// gateway requests give) whose mean sets the rate; one dispatcher thread sends each batch when due (sleeping for
/// long gaps, yielding for short ones, so arrivals are not clumped on a timer's millisecond), and a batch that comes
/// due while the previous one is still out goes as soon as that one's replies are in. Unpaced (no rate): every
/// connection sends its next batch when the replies arrive, as fast as the node answers.
/// </summary>
internal sealed class PacedLoad : IAsyncDisposable
{
    private readonly IReadOnlyList<RespConnection> _connections;
    private readonly byte[] _batch;
    private readonly int _depth;
    private readonly double? _commandsPerSecond;
    private readonly CancellationTokenSource _abort;
    private readonly int[] _state; // 0 idle, 1 a batch out, 2 a batch out and the next one already due
    private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Thread? _dispatcher;
    private volatile bool _sending;
    private int _active;
    private long _batches;
    private Exception? _failure;

    /// <param name="batch">The P commands of one round trip, encoded back to back (<see cref="RespConnection.Encode"/>).</param>
    /// <param name="commandsPerSecond">Over all connections together; null: unpaced.</param>
    public PacedLoad(IReadOnlyList<RespConnection> connections, byte[] batch, int depth, double? commandsPerSecond, CancellationToken ct)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(depth, 1);
        if (connections.Count == 0) throw new ArgumentException("A load needs at least one connection.", nameof(connections));
        if (commandsPerSecond is { } r && !(r > 0)) throw new ArgumentOutOfRangeException(nameof(commandsPerSecond), r, "The rate is > 0, or null for unpaced.");
        (_connections, _batch, _depth, _commandsPerSecond) = (connections, batch, depth, commandsPerSecond);
        _abort = CancellationTokenSource.CreateLinkedTokenSource(ct);
        _state = new int[connections.Count];
    }

    /// <summary>Batches sent so far.</summary>
    public long Batches => Interlocked.Read(ref _batches);

    /// <summary>The first failure (an error reply, a closed connection); null while every reply is fine.</summary>
    public Exception? Failure => Volatile.Read(ref _failure);

    public void Start()
    {
        _sending = true;
        if (_commandsPerSecond is null)
        {
            for (int c = 0; c < _connections.Count; c++)
            {
                _state[c] = 1;
                StartLoop(c);
            }
            return;
        }
        _dispatcher = new Thread(Dispatch) { IsBackground = true, Name = "calibrate-dispatcher" };
        _dispatcher.Start();
    }

    private void Dispatch()
    {
        double meanGapTicks = Stopwatch.Frequency * (double)_connections.Count * _depth / _commandsPerSecond!.Value;
        var random = new Random(_connections.Count * 7919 + _depth);
        var due = new PriorityQueue<int, long>();
        long start = Stopwatch.GetTimestamp();
        for (int c = 0; c < _connections.Count; c++) due.Enqueue(c, start + (long)(Exponential(random) * meanGapTicks));
        while (_sending && !_abort.IsCancellationRequested && due.TryPeek(out int c, out long at))
        {
            long wait = at - Stopwatch.GetTimestamp();
            if (wait > Stopwatch.Frequency / 500) { Thread.Sleep(1); continue; } // more than 2 ms away: sleep
            if (wait > 0) { Thread.Yield(); continue; }                          // close: yield the core, do not clump
            due.Dequeue();
            if (Interlocked.CompareExchange(ref _state[c], 1, 0) == 0) StartLoop(c);
            else Interlocked.CompareExchange(ref _state[c], 2, 1); // still out: it goes when the replies are in
            due.Enqueue(c, at + (long)(Exponential(random) * meanGapTicks));
        }
    }

    private static double Exponential(Random r) => -Math.Log(1 - r.NextDouble());

    // The connection's state is 1: send, then read replies (and send what came due meanwhile) until it is idle.
    private void StartLoop(int c)
    {
        Interlocked.Increment(ref _active);
        if (Send(c)) _ = LoopAsync(c);
        else EndLoop();
    }

    private async Task LoopAsync(int c)
    {
        try
        {
            while (true)
            {
                await _connections[c].ReadRepliesAsync(_depth, _abort.Token).ConfigureAwait(false);
                if (!_sending) { Volatile.Write(ref _state[c], 0); break; }
                if ((_commandsPerSecond is null || TakeDue(c)) && Send(c)) continue;
                break;
            }
        }
        catch (OperationCanceledException) when (_abort.IsCancellationRequested) { }
        catch (Exception ex) when (ex is RespException or IOException or ObjectDisposedException or SocketException) { Fail(ex); }
        EndLoop();
    }

    // True (state stays 1) when a batch came due while this one was out; false after setting the connection idle.
    private bool TakeDue(int c)
    {
        while (true)
        {
            if (Interlocked.CompareExchange(ref _state[c], 1, 2) == 2) return true;
            if (Interlocked.CompareExchange(ref _state[c], 0, 1) == 1) return false;
        }
    }

    private bool Send(int c)
    {
        try
        {
            _connections[c].Send(_batch);
            Interlocked.Increment(ref _batches);
            return true;
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or SocketException)
        {
            Fail(ex);
            return false;
        }
    }

    private void Fail(Exception ex)
    {
        Interlocked.CompareExchange(ref _failure, ex, null);
        _sending = false;
    }

    private void EndLoop()
    {
        if (Interlocked.Decrement(ref _active) == 0 && !_sending) _drained.TrySetResult();
    }

    /// <summary>
    /// Stops sending and waits (up to <paramref name="drain"/>) for the replies still out, so the connections can carry
    /// the next step; replies that do not come in time are abandoned with the connections (false).
    /// </summary>
    public async Task<bool> StopAsync(TimeSpan drain)
    {
        _sending = false;
        _dispatcher?.Join();
        bool drained = Volatile.Read(ref _active) == 0 || await _drained.Task.WaitAsync(drain).ContinueWith(t => t.IsCompletedSuccessfully, TaskScheduler.Default).ConfigureAwait(false);
        if (!drained) await _abort.CancelAsync().ConfigureAwait(false);
        return drained;
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(TimeSpan.Zero).ConfigureAwait(false);
        _abort.Dispose();
    }
}
