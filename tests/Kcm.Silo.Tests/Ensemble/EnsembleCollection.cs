namespace Kcm.Silo.Tests.Ensemble;

/// <summary>The generation tests share one <see cref="EnsembleSilo"/> and run one after another (they read its grain's counters).</summary>
[CollectionDefinition(Name)]
public sealed class EnsembleCollection : ICollectionFixture<EnsembleSilo>
{
    public const string Name = "ensemble";
}
