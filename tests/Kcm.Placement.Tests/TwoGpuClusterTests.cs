using Kcm.Placement.Tests.Grains;
using Xunit.Abstractions;

namespace Kcm.Placement.Tests;

/// <summary>[StatelessWorker] + [GpuPlacementFilter] with two gpu silos: a gpu caller gets a local activation, not just "a gpu one".</summary>
public sealed class TwoGpuClusterTests(TwoGpuCluster fixture, ITestOutputHelper output) : IClassFixture<TwoGpuCluster>
{
    private const int CallsPerKey = 16;
    private const int BusyMilliseconds = 50;

    private readonly RoleCluster _cluster = fixture.Cluster;

    [Theory]
    [InlineData(WorkerKind.Default)]
    [InlineData(WorkerKind.Single)]
    public async Task CalledFromEachGpuSilo_EachCallerGetsActivationsOnItsOwnSilo(WorkerKind kind)
    {
        var key = Random.Shared.NextInt64();
        var gpuSilos = _cluster.SilosWith(SiloRoles.Gpu);
        Assert.Equal(2, gpuSilos.Length);
        var callers = await Task.WhenAll(gpuSilos.Select(_cluster.CallerOnAsync));

        // Both gpu silos call the same worker grain at once.
        var reports = await Task.WhenAll(callers.Select(caller => caller.CallWorkersAsync(kind, [key], CallsPerKey, BusyMilliseconds)));

        for (var i = 0; i < gpuSilos.Length; i++)
        {
            output.WriteLine($"{kind}, caller on {gpuSilos[i]}: {Placements.Describe(_cluster, reports[i])}");
            Assert.All(reports[i], report => Assert.Equal(gpuSilos[i], report.Silo));
            Assert.InRange(reports[i].Select(report => report.ActivationId).Distinct().Count(), 1, kind.MaxPerSilo());
        }

        // One grain, activations on both gpu silos ([StatelessWorker(1)]: exactly one on each).
        Assert.Equal(2, await _cluster.SilosHoldingAsync(kind.Get(_cluster.Client, key)));
    }

    [Theory]
    [InlineData(WorkerKind.Default)]
    [InlineData(WorkerKind.Single)]
    public async Task CalledFromTheCpuSilo_ActivationsAreOnlyOnGpuSilos(WorkerKind kind)
    {
        var cpuSilo = Assert.Single(_cluster.SilosWithout(SiloRoles.Gpu));
        var caller = await _cluster.CallerOnAsync(cpuSilo);
        var keys = Enumerable.Range(0, 8).Select(_ => Random.Shared.NextInt64()).ToArray();

        var reports = await caller.CallWorkersAsync(kind, keys, CallsPerKey, BusyMilliseconds);

        // The cpu silo picks a gpu silo at random per grain and keeps sending that grain's calls there (its cache).
        output.WriteLine($"{kind}, {keys.Length} grains x {CallsPerKey} calls: {Placements.Describe(_cluster, reports)}");
        Assert.DoesNotContain(reports, report => report.Silo.Equals(cpuSilo));
        foreach (var key in keys)
        {
            var served = reports.Where(report => report.Key == key).ToList();
            var silo = Assert.Single(served.Select(report => report.Silo).Distinct());
            Assert.InRange(served.Select(report => report.ActivationId).Distinct().Count(), 1, kind.MaxPerSilo());
            Assert.Equal(1, await _cluster.SilosHoldingAsync(kind.Get(_cluster.Client, key)));
            Assert.Contains(silo, _cluster.SilosWith(SiloRoles.Gpu));
        }
    }
}
