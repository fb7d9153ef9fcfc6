namespace Kcm.OrleansCluster.Tests;

/// <summary>The registry restart test's own two-silo cluster (run after or before the shared one, never beside it).</summary>
[CollectionDefinition(Name)]
public sealed class StorageOutageRegistryCollection : ICollectionFixture<StorageOutageRegistryCluster>
{
    public const string Name = "registry restart cluster";
}
