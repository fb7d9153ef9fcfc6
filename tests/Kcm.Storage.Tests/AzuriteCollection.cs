namespace Kcm.Storage.Tests;

/// <summary>
/// The tests that share one Azurite. They run one after another: one of them stops and restarts the emulator, and the
/// machine's two cores are better spent on one cluster at a time.
/// </summary>
[CollectionDefinition(Name)]
public sealed class AzuriteCollection : ICollectionFixture<AzuriteFixture>
{
    public const string Name = "azurite";
}
