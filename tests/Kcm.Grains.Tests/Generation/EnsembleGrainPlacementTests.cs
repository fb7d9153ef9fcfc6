using Kcm.Abstractions.Generation;
using Kcm.Contracts;
using Kcm.Grains.Generation;
using Orleans.Runtime;

namespace Kcm.Grains.Tests.Generation;

/// <summary>Ensemble grains activate only on the gpu silo, even when every call comes through the cpu silo's gateway.</summary>
[Collection(EnsembleClusterCollection.Name)]
public sealed class EnsembleGrainPlacementTests(EnsembleCluster cluster)
{
    [Fact]
    public async Task Generate_CalledThroughTheCpuGateway_ActivatesOnTheGpuSiloOnly()
    {
        var grain = cluster.Client.GetGrain<IEnsembleGrain>(EnsembleCluster.Model);
        await Task.WhenAll(Enumerable.Range(0, 2).Select(_ => GrainGeneration.ReadAsync(grain, new GenerationPrompt("We the people", 4, [], GenerationModes.Main))));

        var management = cluster.Client.GetGrain<IManagementGrain>(0);
        var statistics = await management.GetSimpleGrainStatistics();
        var ensembles = statistics.Where(s => s.GrainType.Contains(nameof(EnsembleGrain), StringComparison.Ordinal)).ToList();

        Assert.True(ensembles.Count > 0, string.Join("; ", statistics.Select(s => $"{s.GrainType} {s.ActivationCount} {s.SiloAddress}")));
        Assert.All(ensembles, s => Assert.Equal(cluster.GpuSilo.SiloAddress, s.SiloAddress));
        // One silo holds this ensemble's worker (other tests' keys, such as an unknown ensemble's, have their own).
        Assert.Equal(1, await management.GetGrainActivationCount((GrainReference)grain));
    }
}
