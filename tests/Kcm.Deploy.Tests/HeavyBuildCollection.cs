namespace Kcm.Deploy.Tests;

/// <summary>Tests that publish a whole silo of another flavour: they run alone, after the others, not beside them.</summary>
[CollectionDefinition(nameof(HeavyBuildCollection), DisableParallelization = true)]
public sealed class HeavyBuildCollection;
