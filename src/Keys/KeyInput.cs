using System.Text;

namespace HashtagBench.Keys;

/// <summary>Why an ID was refused before any key was built.</summary>
public enum KeyInputProblem
{
    Empty,
    Whitespace,
    /// <summary>'{' or '}' inside an ID would move or break the hash tag, silently breaking co-location.</summary>
    Brace,
    ControlCharacter,
    TooLong,
}

/// <summary>An event, user or idempotency ID that must not become part of a key. Nothing was sent.</summary>
public sealed class InvalidKeyInputException(string field, string? value, KeyInputProblem problem, string message)
    : ArgumentException(message, field)
{
    public string Field { get; } = field;
    public string? Value { get; } = value;
    public KeyInputProblem Problem { get; } = problem;
}

/// <summary>Validation of the IDs that go into keys.</summary>
public static class KeyInput
{
    /// <summary>
    /// Longest ID accepted, in UTF-8 bytes. Redis allows 512 MB keys, but every key is hashed, stored and sent
    /// on every join; 200 bytes is far above any real event/user/idempotency ID and keeps a full key under 512 bytes.
    /// </summary>
    public const int MaxIdBytes = 200;

    /// <summary>Throws <see cref="InvalidKeyInputException"/> when <paramref name="value"/> is not a usable ID.</summary>
    public static void Validate(string? value, string field)
    {
        if (value is null || value.Length == 0)
            throw new InvalidKeyInputException(field, value, KeyInputProblem.Empty, $"{field} is empty.");
        if (string.IsNullOrWhiteSpace(value))
            throw new InvalidKeyInputException(field, value, KeyInputProblem.Whitespace, $"{field} is only whitespace.");
        int brace = value.AsSpan().IndexOfAny('{', '}');
        if (brace >= 0)
            throw new InvalidKeyInputException(field, value, KeyInputProblem.Brace,
                $"{field} '{Shorten(value)}' contains '{value[brace]}' at index {brace}. Braces inside an ID change which part of " +
                "the key Redis hashes ('{}' makes it hash the whole key), which silently breaks co-location.");
        for (int i = 0; i < value.Length; i++)
            if (char.IsControl(value[i]))
                throw new InvalidKeyInputException(field, value, KeyInputProblem.ControlCharacter,
                    $"{field} contains control character U+{(int)value[i]:X4} at index {i}.");
        int bytes = Encoding.UTF8.GetByteCount(value);
        if (bytes > MaxIdBytes)
            throw new InvalidKeyInputException(field, value, KeyInputProblem.TooLong,
                $"{field} is {bytes} UTF-8 bytes; the limit is {MaxIdBytes}.");
    }

    private static string Shorten(string s) => s.Length <= 60 ? s : s[..57] + "...";
}
