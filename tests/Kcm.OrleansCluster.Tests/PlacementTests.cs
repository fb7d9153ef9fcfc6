using System.Net.Http.Json;
using Kcm.Contracts;
using Kcm.OrleansCluster.Tests.Support;
using Xunit.Abstractions;

namespace Kcm.OrleansCluster.Tests;

/// <summary>Requests entering at every silo (cpu ones included) run the judge and the large model only on gpu silos.</summary>
[Collection(ProcessClusterCollection.Name)]
public sealed class PlacementTests(ProcessClusterFixture cluster, ITestOutputHelper output)
{
    [Fact]
    public async Task JudgeAndLargeModelActivations_AreOnlyOnGpuSilos_WhicheverSiloARequestEnters()
    {
        await cluster.EnsureAllRunningAsync();
        foreach (var silo in cluster.Silos)
        {
            using var http = new HttpClient { BaseAddress = silo.Url, Timeout = TimeSpan.FromSeconds(30) };
            using var response = await http.PostAsJsonAsync(KcmRoutes.InferPath(ClusterLoad.Model),
                new InferRequest([cluster.Images[..Kcm.Core.Data.FashionMnist.PixelCount]]), KcmJsonContext.Default.InferRequest);
            Assert.True(response.IsSuccessStatusCode, $"{silo.Name}: {await response.Content.ReadAsStringAsync()}");
        }

        await cluster.Client.ClassifyAsync(ClusterLoad.Model, cluster.Images[..(4 * Kcm.Core.Data.FashionMnist.PixelCount)], 4);
        var management = cluster.Orleans.GetGrain<IManagementGrain>(0);
        var names = (await management.GetDetailedHosts(onlyActive: true)).ToDictionary(h => h.SiloAddress, h => h.SiloName);
        var statistics = await management.GetSimpleGrainStatistics();
        // Grain types read "Namespace.Type,Assembly".
        var placed = statistics
            .Select(s => (Type: s.GrainType.Split(',')[0].Split('.')[^1], Silo: names.GetValueOrDefault(s.SiloAddress, s.SiloAddress.ToString()), s.ActivationCount))
            .Where(p => p.ActivationCount > 0 && p.Type is "JudgeGrain" or "LargeModelGrain")
            .ToList();

        output.WriteLine(string.Join("; ", placed.Select(p => $"{p.Type} x{p.ActivationCount} on {p.Silo}")));
        Assert.Contains(placed, p => p.Type == "JudgeGrain");
        Assert.Contains(placed, p => p.Type == "LargeModelGrain");
        var gpu = cluster.WithRole("gpu").Select(s => s.Name).ToHashSet();
        Assert.All(placed, p => Assert.True(gpu.Contains(p.Silo), $"{p.Type} has {p.ActivationCount} activations on {p.Silo}, not a gpu silo"));
    }
}
