namespace HashtagBench.Contracts;

/// <summary>The one exit-code convention of every verb (documented in the README).</summary>
public static class ExitCodes
{
    public const int Ok = 0;
    /// <summary>A threshold, regression gate or audit failed: the tool worked, the system under test did not pass.</summary>
    public const int Failed = 1;
    /// <summary>Bad input, or the cluster could not be reached: nothing was measured.</summary>
    public const int BadInput = 2;
    /// <summary>Ctrl-C or SIGTERM (128 + SIGINT, as shells report it). Never 0.</summary>
    public const int Interrupted = 130;
}
