using System.CommandLine;
using HashtagBench.Load;

// HashtagBench.Load: run <scenario> against a real cluster, or merge HdrHistogram logs from several agents.
var root = new RootCommand("hashtag-bench load: join scenarios against a real Redis Cluster, NBomber-style.");
root.Subcommands.Add(LoadCli.RunCommand());
root.Subcommands.Add(LoadCli.MergeCommand());
root.Subcommands.Add(LoadCli.ListCommand());
root.Subcommands.Add(OverheadProbe.Create());
return await root.Parse(args).InvokeAsync();
