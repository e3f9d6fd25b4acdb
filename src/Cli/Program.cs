using System.CommandLine;
using HashtagBench.Cli;
using HashtagBench.Load;

// hashtag-bench: one executable, every verb.
var root = new RootCommand("hashtag-bench: Redis Cluster hash-tag design tools for waiting-queue keys.");
root.Subcommands.Add(KeyslotCommand.Create());
root.Subcommands.Add(SimCommand.Create());
var load = new Command("load", "Load scenarios against a real Redis Cluster (NBomber's model), merging and engine overhead.");
load.Subcommands.Add(LoadCli.RunCommand());
load.Subcommands.Add(LoadCli.MergeCommand());
load.Subcommands.Add(LoadCli.ListCommand());
load.Subcommands.Add(OverheadProbe.Create());
root.Subcommands.Add(load);
root.Subcommands.Add(HashtagBench.Cli.Run.RunCommand.Create());
return await root.Parse(args).InvokeAsync();
