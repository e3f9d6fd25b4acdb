using HashtagBench.TestSupport;

namespace HashtagBench.Load.Tests;

[CollectionDefinition(Name)]
public sealed class LoadClusterCollection : ICollectionFixture<ClusterFixture>
{
    public const string Name = "load-cluster";
}
