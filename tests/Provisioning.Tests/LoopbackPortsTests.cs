namespace HashtagBench.Provisioning.Tests;

public sealed class LoopbackPortsTests
{
    [Theory]
    [InlineData(32768, 12768, 22768)] // Linux's default ephemeral range starts at 32768: every bus port (p + 10000) stays below it
    [InlineData(49152, 29152, 39152)] // the IANA range
    [InlineData(5000, 20000, 30000)]  // a range too low to fit below: the fixed block
    public void Every_bus_port_stays_below_the_ephemeral_range(int ephemeralLow, int low, int high)
    {
        Assert.Equal((low, high), LoopbackPorts.Range(ephemeralLow));
    }

    [Fact]
    public void A_block_is_consecutive_free_and_its_bus_ports_are_below_this_machines_ephemeral_range()
    {
        int[] ports = LoopbackPorts.ClusterBlock(6);
        Assert.Equal(Enumerable.Range(ports[0], 6), ports);
        string[] range = File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        Assert.All(ports, p => Assert.True(p + 10000 < int.Parse(range[0]), $"bus port {p + 10000} is in the ephemeral range from {range[0]}"));
    }
}
