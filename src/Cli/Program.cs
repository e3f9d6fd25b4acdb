using System.CommandLine;
using HashtagBench.Cli;

// hashtag-bench: the verbs that need no benchmark or load engine (keyslot, sim, ...).
var root = new RootCommand("hashtag-bench: Redis Cluster hash-tag design tools for waiting-queue keys.");
root.Subcommands.Add(KeyslotCommand.Create());
// Further verbs register here, one line each.
root.Subcommands.Add(SimCommand.Create());
root.Subcommands.Add(HashtagBench.Cli.Run.RunCommand.Create());
return await root.Parse(args).InvokeAsync();
