namespace Kcm.Grains.Tests.Support;

/// <summary>The tests that share one two-silo cluster.</summary>
[CollectionDefinition(Name)]
public sealed class ServingClusterCollection : ICollectionFixture<ServingClusterFixture>
{
    public const string Name = "serving cluster";
}
