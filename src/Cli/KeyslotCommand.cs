using HashtagBench.Cli.Common;
using HashtagBench.Keys;
using HashtagBench.Provisioning;
using StackExchange.Redis;
using System.CommandLine;

namespace HashtagBench.Cli;

/// <summary>
/// keyslot: lint the key set of a multi-key script. Prints each key's slot (and owning shard when a cluster is
/// given) and exits 1 when the keys do not share one slot.
/// </summary>
internal static class KeyslotCommand
{
    public static Command Create()
    {
        var keys = new Argument<string[]>("keys") { Description = "Keys one script touches, e.g. 'dedupe:{evt1}:k' 'stream:event:{evt1}:user:u1'", Arity = ArgumentArity.OneOrMore };
        var cluster = new ClusterOptions();
        var cmd = new Command("keyslot", "Print each key's hash slot and whether the set co-locates (exit 1 when it does not).");
        cmd.Arguments.Add(keys);
        cluster.AddTo(cmd, endpointOnly: true);
        cmd.SetAction((r, ct) => CliErrors.GuardAsync(Console.Error, async () =>
        {
            string[] ks = r.GetValue(keys) ?? [];
            ExternalEndpoint? ext = cluster.External(r);
            IReadOnlyList<SlotOwner>? owners = null;
            if (ext is not null)
            {
                await using RunningCluster c = await ClusterProvisioner.StartAsync(ProviderKind.External, external: ext, ct: ct);
                await using ConnectionMultiplexer mux = await c.ConnectAsync();
                owners = LiveSlotMap.Read(mux);
            }
            return Run(ks, owners, Console.Out);
        }, ct));
        return cmd;
    }

    /// <summary>Writes the report; returns 0 when all keys share a slot, 1 when they do not.</summary>
    public static int Run(IReadOnlyList<string> keys, IReadOnlyList<SlotOwner>? owners, TextWriter output)
    {
        int width = Math.Min(70, keys.Max(k => k.Length));
        foreach (string key in keys)
        {
            int slot = HashSlot.Of(key);
            string tag = HashSlot.TagOf(key) is { } t ? $"tag {{{t}}}" : "no tag: whole key hashed";
            string shard = owners is null ? "" : $"  shard {SlotOwner.Find(owners, slot)}";
            output.WriteLine($"{key.PadRight(width)}  slot {slot,5}{shard}  ({tag})");
        }
        bool same = SlotGuard.CoLocated(keys.ToArray(), out int common);
        output.WriteLine(same
            ? $"OK: all {keys.Count} key(s) hash to slot {common}; a multi-key script over them is allowed on a cluster."
            : "CROSSSLOT: these keys hash to different slots; one script over them fails on a cluster. Give every key the same {hash tag}.");
        return same ? 0 : 1;
    }
}
