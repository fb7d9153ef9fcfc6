namespace Kcm.Silo.Tests;

/// <summary>
/// Tests that must run alone: they measure the whole process (CPU time after a silo is disposed), so no other silo
/// may be working meanwhile.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SerialCollection
{
    public const string Name = "serial";
}
