namespace Kcm.Silo.Tests;

/// <summary>
/// Tests that must run alone: environment variables are process-wide, and some measure allocations on the thread
/// that records (other tests' work must not run callbacks there).
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SerialCollection
{
    public const string Name = "serial";
}
