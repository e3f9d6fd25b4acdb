using HashtagBench.WaitingRoom;

namespace HashtagBench.Enqueue.WaitingRoom;

/// <summary>
/// The model's command list for one request, walked as the client sends it: each send takes the next command and
/// checks it is the one the client meant, so the client cannot drift from <see cref="Traffic.Commands"/> (which
/// the simulator counts). Keys, TTLs and replica routing are read off the command, never written twice.
/// </summary>
internal sealed class CommandPlan(WaitingRoomSchema schema, Step step, EnterPath? path = null)
{
    private IReadOnlyList<RedisCommand> _commands = Traffic.Commands(step, schema, path);
    private int _next;

    /// <summary>Takes the next command; a mismatch is a bug in the client, not a runtime condition.</summary>
    public RedisCommand Next(string name, KeyClass key)
    {
        if (_next >= _commands.Count)
            throw new InvalidOperationException($"The client sent {name} {key} past the end of the model's list for {step}.");
        RedisCommand c = _commands[_next];
        if (c.Name != name || c.Key != key)
            throw new InvalidOperationException($"The client sent {name} {key} where the model has {c.Name} {c.Key} (command {_next} of {step}).");
        _next++;
        return c;
    }

    /// <summary>
    /// Continues on the list of another step or enter path once the answer is known (an expired heartbeat, a rank):
    /// what was sent so far must be the start of that list too.
    /// </summary>
    public void Reroute(Step newStep, EnterPath? newPath = null)
    {
        var other = Traffic.Commands(newStep, schema, newPath);
        for (int i = 0; i < _next; i++)
            // Keys is a list: compare it by content, the rest as the record does.
            if (i >= other.Count || other[i] with { Keys = _commands[i].Keys } != _commands[i] || !other[i].Keys.SequenceEqual(_commands[i].Keys))
                throw new InvalidOperationException($"{newStep} does not start with the {_next} command(s) of {step} already sent.");
        _commands = other;
        step = newStep;
    }

    /// <summary>The step whose list this is now (StatusExpired once a status found no heartbeat).</summary>
    public Step Step => step;

    public bool Done => _next == _commands.Count;
}
