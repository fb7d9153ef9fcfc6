namespace Kcm.Storage.Tests.Grains;

/// <summary>A stateless probe: its answers say where Orleans placed it.</summary>
public sealed class SiloProbeGrain : Grain, ISiloProbeGrain
{
    public Task<string> GetSiloAsync() => Task.FromResult(RuntimeIdentity);

    public Task<string> GetSiloOfAsync(long otherKey) => GrainFactory.GetGrain<ISiloProbeGrain>(otherKey).GetSiloAsync();
}
