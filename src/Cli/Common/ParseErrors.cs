using System.CommandLine;

namespace HashtagBench.Cli.Common;

/// <summary>
/// A parse error as this tool reports every bad input: one line, naming the command's help. The library's own
/// messages come one per token (an unknown option and its value are two) and list subcommands nowhere.
/// </summary>
internal static class ParseErrors
{
    public static string OneLine(ParseResult parsed)
    {
        Command command = parsed.CommandResult.Command;
        string path = string.Join(' ', ["hashtag-bench", .. CommandPath(command)]);
        IReadOnlyList<string> unmatched = parsed.UnmatchedTokens;
        string message;
        if (command.Subcommands.Count > 0 && command.Action is null)
        {
            // A command that only groups others (load, load run): say which ones there are.
            string known = string.Join(", ", command.Subcommands.Where(c => !c.Hidden).Select(c => c.Name));
            message = unmatched.Count > 0 ? $"'{unmatched[0]}' is not a subcommand of '{path}'; use one of: {known}." : $"'{path}' needs a subcommand: {known}.";
        }
        else if ((unmatched.FirstOrDefault(t => t.StartsWith('-')) ?? unmatched.FirstOrDefault()) is { } token)
            // An option of another scenario lands here too: its value after it is no news.
            message = token.StartsWith('-') ? $"'{path}' has no option {token.Split('=', ':')[0]}." : $"'{path}' does not expect '{token}'.";
        else
            message = string.Join(" ", parsed.Errors.Select(e => e.Message.ReplaceLineEndings(" ")).Distinct());
        return $"{message} See '{path} --help'.";
    }

    private static IEnumerable<string> CommandPath(Command c)
    {
        var names = new List<string>();
        for (Symbol? s = c; s is Command cmd and not RootCommand; s = cmd.Parents.FirstOrDefault()) names.Insert(0, cmd.Name);
        return names;
    }
}
