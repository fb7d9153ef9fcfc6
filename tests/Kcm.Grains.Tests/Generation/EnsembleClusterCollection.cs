namespace Kcm.Grains.Tests.Generation;

/// <summary>The ensemble grain tests share one <see cref="EnsembleCluster"/> and run one after another (they read its slot counters).</summary>
[CollectionDefinition(Name)]
public sealed class EnsembleClusterCollection : ICollectionFixture<EnsembleCluster>
{
    public const string Name = "ensemble-cluster";
}
