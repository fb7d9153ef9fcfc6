namespace Kcm.Client.Tests;

/// <summary>The tests that share one in-process silo (<see cref="SiloFixture"/>).</summary>
[CollectionDefinition(Name)]
public sealed class SiloCollection : ICollectionFixture<SiloFixture>
{
    public const string Name = "silo";
}
