using HashtagBench.TestSupport;

namespace HashtagBench.Enqueue.Tests;

[CollectionDefinition(Name)]
public sealed class ClusterCollection : ICollectionFixture<ClusterFixture>
{
    public const string Name = "cluster";
}
