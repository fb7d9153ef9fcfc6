using System.Diagnostics;

namespace Kcm.OrleansCluster.Tests.Support;

/// <summary>The serving version each silo holds itself (its <c>kcm_serving_version</c> gauge), polled until it reaches a target.</summary>
public static class SiloVersions
{
    /// <summary>
    /// How long after now each silo takes to serve version <paramref name="version"/> or a later one (null for a silo
    /// that did not within <paramref name="timeout"/>).
    /// </summary>
    public static async Task<IReadOnlyDictionary<string, TimeSpan?>> TimeToServeAsync(IEnumerable<SiloProcess> silos, int version, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        var times = await Task.WhenAll(silos.Select(async silo =>
        {
            while (clock.Elapsed < timeout)
            {
                if (await silo.MetricAsync("kcm_serving_version") >= version)
                {
                    return (silo.Name, (TimeSpan?)clock.Elapsed);
                }

                await Task.Delay(25);
            }

            return (silo.Name, (TimeSpan?)null);
        }));
        return times.ToDictionary(t => t.Name, t => t.Item2);
    }
}
