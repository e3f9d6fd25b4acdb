using HashtagBench.TestSupport;

namespace HashtagBench.Provisioning.Tests;

[CollectionDefinition(Name)]
public sealed class ClusterCollection : ICollectionFixture<ClusterFixture>
{
    public const string Name = "cluster";
}
