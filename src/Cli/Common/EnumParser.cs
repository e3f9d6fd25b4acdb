using System.CommandLine;
using System.CommandLine.Parsing;

namespace HashtagBench.Cli.Common;

/// <summary>
/// An enum option's value by its command-line name, any case, with one error line that names the choices (the
/// library's own names the C# members and adds a multi-line "did you mean" list, which breaks the one-line rule).
/// </summary>
internal static class EnumParser
{
    /// <summary>By the members' names in kebab case (LaggedKill: lagged-kill).</summary>
    public static T? Parse<T>(ArgumentResult result) where T : struct, Enum => Parse(result, KebabNames<T>());

    /// <summary>
    /// Makes <paramref name="option"/> take exactly <paramref name="names"/> (aliases after the name each value is
    /// listed by): its parser, its help name and its completions.
    /// </summary>
    public static Option<T?> Named<T>(this Option<T?> option, IReadOnlyList<(string Name, T Value)> names) where T : struct, Enum
    {
        string[] listed = Listed(names);
        option.CustomParser = r => Parse(r, names);
        option.HelpName = string.Join('|', listed);
        option.CompletionSources.Clear();
        option.CompletionSources.Add(listed);
        return option;
    }

    private static T? Parse<T>(ArgumentResult result, IReadOnlyList<(string Name, T Value)> names) where T : struct, Enum
    {
        string token = result.Tokens.Count == 0 ? "" : result.Tokens[0].Value;
        foreach (var (name, value) in names)
            if (string.Equals(name, token.Trim(), StringComparison.OrdinalIgnoreCase)) return value;
        string option = result.Parent is OptionResult o ? o.Option.Name : "the option";
        string[] choices = Listed(names);
        result.AddError(choices.Length == 1
            ? $"{option} must be {choices[0]} (got '{token}')."
            : $"{option} must be {string.Join(", ", choices[..^1])} or {choices[^1]} (got '{token}').");
        return null;
    }

    /// <summary>The first name of each value: the ones help and errors list.</summary>
    private static string[] Listed<T>(IReadOnlyList<(string Name, T Value)> names) where T : struct, Enum =>
        [.. names.DistinctBy(n => n.Value).Select(n => n.Name)];

    private static (string, T)[] KebabNames<T>() where T : struct, Enum =>
        [.. Enum.GetValues<T>().Select(v => (string.Concat(v.ToString().Select((c, i) => char.IsUpper(c) ? (i > 0 ? "-" : "") + char.ToLowerInvariant(c) : c.ToString())), v))];
}
