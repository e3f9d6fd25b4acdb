using HashtagBench.Provisioning;
using Xunit;

namespace HashtagBench.TestSupport;

/// <summary>
/// Whether the Testcontainers tests can run here: a Docker daemon answers /_ping within 2 s and the Redis image is
/// present. Checked once per test process. tests/docker/prepare.sh makes both true where it can.
/// </summary>
public static class DockerAvailability
{
    private static readonly Lazy<string?> Reason = new(() =>
    {
        (bool usable, string? reason) = TestcontainersClusterProvider.CheckUsableAsync(TestcontainersClusterProvider.DefaultImage).GetAwaiter().GetResult();
        return usable ? null : reason ?? "Docker is not usable";
    });

    /// <summary>Null when Docker is usable, else why not.</summary>
    public static string? SkipReason => Reason.Value;
}

/// <summary>A fact that the runner reports as skipped, with the reason, when Docker is not usable here.</summary>
public sealed class DockerFactAttribute : FactAttribute
{
    public DockerFactAttribute()
    {
        if (DockerAvailability.SkipReason is string reason) Skip = $"Docker not usable: {reason}";
    }
}

/// <summary>A theory that the runner reports as skipped, with the reason, when Docker is not usable here.</summary>
public sealed class DockerTheoryAttribute : TheoryAttribute
{
    public DockerTheoryAttribute()
    {
        if (DockerAvailability.SkipReason is string reason) Skip = $"Docker not usable: {reason}";
    }
}
