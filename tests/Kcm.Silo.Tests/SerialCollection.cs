namespace Kcm.Silo.Tests;

/// <summary>
/// Tests that must run alone: the exporter listens to every "Kcm" meter in the process, so silos of tests running in
/// parallel would add to the counts a metrics test reads; and environment variables are process-wide.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SerialCollection
{
    public const string Name = "serial";
}
