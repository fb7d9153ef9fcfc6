namespace Kcm.Placement.Tests.Grains;

/// <summary>A grain that tells where the activation serving the call runs.</summary>
public interface IProbeGrain : IGrainWithIntegerKey
{
    /// <summary>Stays busy for <paramref name="busyMilliseconds"/> (so concurrent calls need more workers), then reports.</summary>
    Task<ActivationReport> WhereAsync(int busyMilliseconds);
}
