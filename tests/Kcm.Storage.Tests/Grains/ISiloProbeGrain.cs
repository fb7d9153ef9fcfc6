namespace Kcm.Storage.Tests.Grains;

/// <summary>Tells which silo its activation lives on, and asks another probe the same, to prove silo-to-silo calls.</summary>
[Alias("Kcm.Storage.Tests.ISiloProbeGrain")]
public interface ISiloProbeGrain : IGrainWithIntegerKey
{
    /// <summary>The runtime identity of the silo this activation lives on.</summary>
    [Alias("GetSilo")]
    Task<string> GetSiloAsync();

    /// <summary>Calls probe <paramref name="otherKey"/> from this activation and returns that probe's silo.</summary>
    [Alias("GetSiloOf")]
    Task<string> GetSiloOfAsync(long otherKey);
}
