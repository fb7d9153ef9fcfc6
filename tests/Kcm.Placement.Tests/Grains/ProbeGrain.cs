namespace Kcm.Placement.Tests.Grains;

/// <summary>The probe behaviour the placement test grains share; each subclass adds only its placement attributes.</summary>
public abstract class ProbeGrain : Grain, IProbeGrain
{
    /// <inheritdoc />
    public async Task<ActivationReport> WhereAsync(int busyMilliseconds)
    {
        if (busyMilliseconds > 0)
        {
            await Task.Delay(busyMilliseconds);
        }

        return new ActivationReport(this.GetPrimaryKeyLong(), GrainContext.Address.SiloAddress!, GrainContext.ActivationId.ToString());
    }
}
