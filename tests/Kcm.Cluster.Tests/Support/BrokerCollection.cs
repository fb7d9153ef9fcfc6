namespace Kcm.Cluster.Tests.Support;

/// <summary>Tests that share one broker which stays up.</summary>
[CollectionDefinition(Name)]
public sealed class BrokerCollection : ICollectionFixture<BrokerFixture>
{
    public const string Name = "broker";
}
