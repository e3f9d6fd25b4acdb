using System.CommandLine.Parsing;

namespace HashtagBench.Cli.Common;

/// <summary>An enum option's value, any case, with one error line that names the choices (the library's own adds a multi-line "did you mean" list).</summary>
internal static class EnumParser
{
    public static T? Parse<T>(ArgumentResult result) where T : struct, Enum
    {
        string token = result.Tokens.Count == 0 ? "" : result.Tokens[0].Value;
        if (!int.TryParse(token, out _) && Enum.TryParse(token, ignoreCase: true, out T value) && Enum.IsDefined(value)) return value;
        string name = result.Parent is OptionResult o ? o.Option.Name : "the option";
        string[] choices = [.. Enum.GetNames<T>().Select(n => n.ToLowerInvariant())];
        result.AddError($"{name} must be {string.Join(", ", choices[..^1])} or {choices[^1]} (got '{token}').");
        return null;
    }
}
