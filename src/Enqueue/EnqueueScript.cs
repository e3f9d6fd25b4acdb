using HashtagBench.Keys;
using System.Security.Cryptography;
using System.Text;

namespace HashtagBench.Enqueue;

/// <summary>The production enqueue Lua script, shipped as an embedded resource, and its SHA1 for EVALSHA.</summary>
public static class EnqueueScript
{
    public static string Source { get; } = Load("enqueue.lua");

    /// <summary>SHA1 of the script, as Redis computes it for EVALSHA / SCRIPT LOAD.</summary>
    public static byte[] Sha1 { get; } = SHA1.HashData(Encoding.UTF8.GetBytes(Source));

    public static string Sha1Hex { get; } = Convert.ToHexStringLower(Sha1);

    private static string Load(string name)
    {
        using Stream s = typeof(EnqueueScript).Assembly.GetManifestResourceStream($"HashtagBench.Enqueue.Scripts.{name}")
            ?? throw new InvalidOperationException($"Embedded script {name} is missing from the assembly.");
        using var reader = new StreamReader(s, Encoding.UTF8);
        return reader.ReadToEnd();
    }
}
