namespace Kcm.DeePEn.Tests;

/// <summary>
/// Tests that must run alone: GC.GetTotalMemory is process-wide, so test classes running in parallel would add their
/// allocations to (or free theirs from) a managed-heap measurement.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SerialCollection
{
    public const string Name = "serial";
}
