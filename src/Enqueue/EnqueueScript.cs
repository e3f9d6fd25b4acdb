using StackExchange.Redis;
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

    /// <summary>
    /// EVALSHA, and EVAL when the node answers NOSCRIPT (no copy there: first use, SCRIPT FLUSH, or a replica
    /// promoted after failover); the EVAL caches it, so later EVALSHAs hit. <paramref name="onNoScript"/> counts those.
    /// </summary>
    internal static async Task<RedisResult> EvaluateAsync(IDatabaseAsync db, RedisKey[] keys, RedisValue[] args, Action? onNoScript = null)
    {
        try
        {
            return await db.ScriptEvaluateAsync(Sha1, keys, args).ConfigureAwait(false);
        }
        catch (RedisServerException ex) when (FailureClassifier.IsNoScript(ex))
        {
            onNoScript?.Invoke();
            return await db.ScriptEvaluateAsync(Source, keys, args).ConfigureAwait(false);
        }
    }

    // Shared with the waiting room's scripts (WaitingRoom/WaitingRoomScripts): one loader for every embedded script.
    internal static string Load(string name)
    {
        using Stream s = typeof(EnqueueScript).Assembly.GetManifestResourceStream($"HashtagBench.Enqueue.Scripts.{name}")
            ?? throw new InvalidOperationException($"Embedded script {name} is missing from the assembly.");
        using var reader = new StreamReader(s, Encoding.UTF8);
        return reader.ReadToEnd();
    }
}
