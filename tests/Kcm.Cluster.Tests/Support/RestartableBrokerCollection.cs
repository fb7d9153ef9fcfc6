namespace Kcm.Cluster.Tests.Support;

/// <summary>Tests that stop and restart their broker, so they get one of their own.</summary>
[CollectionDefinition(Name)]
public sealed class RestartableBrokerCollection : ICollectionFixture<BrokerFixture>
{
    public const string Name = "restartable broker";
}
