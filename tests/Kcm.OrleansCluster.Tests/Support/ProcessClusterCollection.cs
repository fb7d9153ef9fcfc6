namespace Kcm.OrleansCluster.Tests.Support;

/// <summary>The tests that share the one process cluster (run one after another).</summary>
[CollectionDefinition(Name)]
public sealed class ProcessClusterCollection : ICollectionFixture<ProcessClusterFixture>
{
    public const string Name = "process cluster";
}
