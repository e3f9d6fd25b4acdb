using HashtagBench.Keys;
using HashtagBench.Provisioning;
using HashtagBench.TestSupport;

namespace HashtagBench.Cli.Tests;

[Collection(ClusterCollection.Name)]
public sealed class KeyslotCommandTests(ClusterFixture fx)
{
    [Fact]
    public void Co_located_keys_exit_zero_and_print_slots_and_shards()
    {
        var output = new StringWriter();
        int code = KeyslotCommand.Run(["dedupe:{evt1}:k", "stream:event:{evt1}:user:u"], LiveSlotMap.Read(fx.Mux), output);
        Assert.Equal(0, code);
        string text = output.ToString();
        Assert.Contains($"slot {HashSlot.Of("evt1"),5}", text);
        Assert.Contains("shard ", text);
        Assert.Contains("OK", text);
    }

    [Fact]
    public void Incident_keys_exit_non_zero_and_say_CROSSSLOT()
    {
        var output = new StringWriter();
        int code = KeyslotCommand.Run(["dedupe:user123:evt1:1", "stream:event:{evt1}:user:user123"], null, output);
        Assert.Equal(1, code);
        Assert.Contains("CROSSSLOT", output.ToString());
        Assert.Contains("no tag: whole key hashed", output.ToString());
    }

    [Fact]
    public async Task The_verb_runs_end_to_end_from_the_command_line()
    {
        var cmd = KeyslotCommand.Create();
        var root = new System.CommandLine.RootCommand { cmd };
        int ok = await root.Parse(["keyslot", "a:{x}", "b:{x}"]).InvokeAsync();
        int bad = await root.Parse(["keyslot", "a:{x}", "b:{y}"]).InvokeAsync();
        Assert.Equal(0, ok);
        Assert.Equal(1, bad);
    }
}
