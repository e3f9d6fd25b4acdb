using HashtagBench.Contracts;
using HashtagBench.Provisioning;
using System.CommandLine;

namespace HashtagBench.Cli.Tests;

/// <summary>
/// `load run SCENARIO`: each scenario takes its own options and the shared groups, refuses another scenario's in one
/// line with exit 2 before anything starts, and an enum option takes its command-line names and lists them when refused.
/// </summary>
[Collection(ClusterCollection.Name)] // serial: swaps Console.Error
public sealed class LoadRunOptionsTests
{
    private static ParseResult Parse(params string[] args) => HashtagBenchApp.CreateRoot().Parse(args);

    [Theory]
    // the scenario that reads the option, the option, a value it takes, a scenario that does not read it
    [InlineData("strategies", "--strategies", "event", "multi-event")]
    [InlineData("hot-event", "--hot-share", "0.6", "failover")]
    [InlineData("hot-event", "--buckets", "4", "strategies")]
    [InlineData("duplicates", "--duplicates", "0.2", "hot-event")]
    [InlineData("capacity", "--steps", "3", "duplicates")]
    [InlineData("capacity", "--saturation-p99", "20", "multi-event")]
    [InlineData("failover", "--fault", "pause", "capacity")]
    [InlineData("failover", "--retry", "0", "strategies")]
    [InlineData("failover", "--wait-replicas", "1", "duplicates")]
    [InlineData("failover", "--max-lost", "0", "launch")]
    [InlineData("multi-event", "--popularity", "uniform", "hot-event")] // hot-event sets its own popularity
    [InlineData("multi-event", "--events", "5", "capacity")] // capacity joins one event
    [InlineData("multi-event", "--threshold", "p99 < 5ms", "failover")] // failover and capacity judge no thresholds
    [InlineData("multi-event", "--no-thresholds", null, "capacity")]
    [InlineData("multi-event", "--agent", "0/2", "failover")] // only the open-model scenarios split across agents
    [InlineData("duplicates", "--otlp", "http://localhost:4318", "launch")]
    [InlineData("launch", "--launch", "x.json", "multi-event")]
    [InlineData("launch", "--seed", "7", "strategies")]
    public async Task An_option_of_another_scenario_is_refused_in_one_line_with_exit_2(string owner, string option, string? value, string other)
    {
        string[] given = value is null ? [option] : [option, value];
        Assert.Empty(Parse(["load", "run", owner, .. given]).Errors); // its own scenario takes it (parsed only: nothing runs)
        var (code, error) = await CliRun.InvokeAsync(["load", "run", other, .. given]);
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Equal($"error: 'hashtag-bench load run {other}' has no option {option}. See 'hashtag-bench load run {other} --help'.",
            Assert.Single(error.Trim().Split('\n')));
    }

    [Theory]
    [InlineData("multi-event")]
    [InlineData("strategies")]
    [InlineData("duplicates")]
    [InlineData("hot-event")]
    [InlineData("capacity")]
    [InlineData("failover")]
    public void Every_scenario_takes_the_shared_load_output_metrics_and_cluster_options(string scenario)
    {
        Assert.Empty(Parse("load", "run", scenario, "--rate", "100", "--duration", "3", "--warmup", "1", "--users", "50", "--quick",
            "--out", "results/x", "--keep-data", "--otlp", "http://localhost:4318", "--prometheus", "9464",
            "--cluster", "127.0.0.1:7000", "--tls", "--user", "bench", "--provider", "local").Errors);
    }

    [Fact]
    public void Launch_takes_its_own_options_the_output_and_cluster_ones_and_a_run_id()
    {
        Assert.Empty(Parse("load", "run", "launch", "--launch", "x.json", "--scale", "0.5", "--strategy", "event", "--seed", "3", "--max-seconds", "60",
            "--out", "results/x", "--keep-data", "--cluster", "127.0.0.1:7000", "--run-id", "rlaunch1").Errors);
    }

    [Theory]
    [InlineData("load run failover", "--fault", "reboot", "--fault must be kill, pause, restart, failover or lagged-kill (got 'reboot').")]
    [InlineData("load run failover", "--fault", "LaggedKill", "--fault must be kill, pause, restart, failover or lagged-kill (got 'LaggedKill').")] // not the C# name
    [InlineData("load run capacity", "--provider", "carrier-pigeon", "--provider must be auto, local, testcontainers or external (got 'carrier-pigeon').")]
    [InlineData("run", "--provider", "k8s", "--provider must be auto, local, testcontainers or external (got 'k8s').")]
    [InlineData("calibrate", "--provider", "nope", "--provider must be auto, local, testcontainers or external (got 'nope').")]
    public async Task A_bad_enum_value_is_one_line_listing_the_valid_names_and_exit_2(string verb, string option, string value, string expected)
    {
        var (code, error) = await CliRun.InvokeAsync([.. verb.Split(' '), option, value]);
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Equal($"error: {expected} See 'hashtag-bench {verb} --help'.", Assert.Single(error.Trim().Split('\n')));
    }

    [Theory]
    [InlineData("kill", FaultAction.KillPrimary)]
    [InlineData("pause", FaultAction.PausePrimary)]
    [InlineData("restart", FaultAction.RestartPrimary)]
    [InlineData("failover", FaultAction.ManualFailover)]
    [InlineData("lagged-kill", FaultAction.LaggedKill)]
    [InlineData("kill-primary", FaultAction.KillPrimary)]
    [InlineData("manual-failover", FaultAction.ManualFailover)]
    [InlineData("Lagged-Kill", FaultAction.LaggedKill)]
    public void Fault_names_parse_to_their_action(string name, FaultAction action) => Assert.Equal(action, ValueOf<FaultAction>("failover", "--fault", name));

    [Theory]
    [InlineData("auto", ProviderKind.Auto)]
    [InlineData("local", ProviderKind.Local)]
    [InlineData("process", ProviderKind.Local)]
    [InlineData("testcontainers", ProviderKind.Testcontainers)]
    [InlineData("docker", ProviderKind.Testcontainers)]
    public void Provider_names_parse_to_their_kind(string name, ProviderKind kind) => Assert.Equal(kind, ValueOf<ProviderKind>("capacity", "--provider", name));

    private static T? ValueOf<T>(string scenario, string option, string name) where T : struct, Enum
    {
        ParseResult r = Parse("load", "run", scenario, option, name);
        Assert.Empty(r.Errors);
        return r.GetValue<T?>(option);
    }

    [Fact]
    public async Task Load_run_without_a_scenario_names_them_all_in_one_line()
    {
        var (code, error) = await CliRun.InvokeAsync(["load", "run"]);
        Assert.Equal(ExitCodes.BadInput, code);
        string line = Assert.Single(error.Trim().Split('\n'));
        Assert.StartsWith("error: 'hashtag-bench load run' needs a subcommand: ", line);
        foreach (string scenario in ScenarioNames.All.Append("launch")) Assert.Contains(scenario, line);
    }
}
