namespace Kcm.OrleansCluster.Tests.Support;

/// <summary>Where a cluster's activations live, read from Orleans' management grain.</summary>
public static class GrainActivations
{
    /// <summary>
    /// The name of the silo that holds <paramref name="grainClass"/>'s activations now (null when none is active, or when
    /// the question cannot be answered now: the management grain asks every silo, and fails while a dead one is not yet
    /// declared dead).
    /// </summary>
    public static async Task<string?> SiloHoldingAsync(IClusterClient orleans, string grainClass)
    {
        var management = orleans.GetGrain<IManagementGrain>(0);
        try
        {
            var names = (await management.GetDetailedHosts(onlyActive: true)).ToDictionary(h => h.SiloAddress, h => h.SiloName);
            // Grain types read "Namespace.Type,Assembly".
            return (await management.GetSimpleGrainStatistics())
                .Where(s => s.ActivationCount > 0 && s.GrainType.Split(',')[0].EndsWith("." + grainClass, StringComparison.Ordinal))
                .Select(s => names.GetValueOrDefault(s.SiloAddress))
                .FirstOrDefault();
        }
        catch (Exception e) when (e is OrleansMessageRejectionException or TimeoutException)
        {
            return null;
        }
    }
}
