using Kcm.Placement.Tests.Grains;
using Orleans.Runtime;
using Xunit.Abstractions;

namespace Kcm.Placement.Tests;

/// <summary>[StatelessWorker] + [GpuPlacementFilter] in a cluster with one cpu and one gpu silo.</summary>
public sealed class OneGpuClusterTests(OneGpuCluster fixture, ITestOutputHelper output) : IClassFixture<OneGpuCluster>
{
    // Concurrent, slow calls, so that a stateless worker adds workers up to its per-silo limit.
    private const int CallsPerKey = 16;
    private const int BusyMilliseconds = 50;

    private readonly RoleCluster _cluster = fixture.Cluster;

    private SiloAddress GpuSilo => Assert.Single(_cluster.SilosWith(SiloRoles.Gpu));

    private SiloAddress CpuSilo => Assert.Single(_cluster.SilosWithout(SiloRoles.Gpu));

    [Theory]
    [InlineData(WorkerKind.Default)]
    [InlineData(WorkerKind.Single)]
    public async Task CalledFromAGrainOnTheCpuSilo_EveryActivationIsOnTheGpuSilo(WorkerKind kind)
    {
        var keys = NewKeys(4);
        var caller = await _cluster.CallerOnAsync(CpuSilo);

        var reports = await caller.CallWorkersAsync(kind, keys, CallsPerKey, BusyMilliseconds);

        await AssertAllOnGpuSiloAsync(kind, keys, reports);
    }

    [Theory]
    [InlineData(WorkerKind.Default)]
    [InlineData(WorkerKind.Single)]
    public async Task CalledFromTheClient_EveryActivationIsOnTheGpuSilo(WorkerKind kind)
    {
        // The client's only gateway is the cpu silo, so the cpu silo places these calls.
        Assert.Equal(CpuSilo, _cluster.GatewaySilo);
        var keys = NewKeys(4);

        var reports = await Task.WhenAll(keys.SelectMany(key => Enumerable.Range(0, CallsPerKey)
            .Select(_ => kind.Get(_cluster.Client, key).WhereAsync(BusyMilliseconds))));

        await AssertAllOnGpuSiloAsync(kind, keys, reports);
    }

    [Theory]
    [InlineData(WorkerKind.Default)]
    [InlineData(WorkerKind.Single)]
    public async Task CalledFromAGrainOnTheGpuSilo_EveryActivationIsLocal(WorkerKind kind)
    {
        var keys = NewKeys(4);
        var caller = await _cluster.CallerOnAsync(GpuSilo);

        var reports = await caller.CallWorkersAsync(kind, keys, CallsPerKey, BusyMilliseconds);

        await AssertAllOnGpuSiloAsync(kind, keys, reports);
    }

    [Fact]
    public async Task TheManagementGrainsDetailedStatistics_DoNotListStatelessWorkers()
    {
        var caller = await _cluster.CallerOnAsync(CpuSilo);
        await caller.CallWorkersAsync(WorkerKind.Default, NewKeys(1), CallsPerKey, BusyMilliseconds);

        var statistics = await _cluster.Client.GetGrain<IManagementGrain>(0).GetDetailedGrainStatistics();

        // Orleans lists an activation only if it has a grain instance; a stateless worker's catalog entry is the
        // container of its workers and has none, so these statistics cannot count stateless workers.
        Assert.Contains(statistics, statistic => statistic.GrainType.Contains(nameof(CallerGrain), StringComparison.Ordinal));
        Assert.DoesNotContain(statistics, statistic => statistic.GrainType.Contains(nameof(GpuWorkerGrain), StringComparison.Ordinal));
    }

    private static long[] NewKeys(int count) => [.. Enumerable.Range(0, count).Select(_ => Random.Shared.NextInt64())];

    private async Task AssertAllOnGpuSiloAsync(WorkerKind kind, long[] keys, IReadOnlyCollection<ActivationReport> reports)
    {
        output.WriteLine($"{kind}, {keys.Length} grains x {CallsPerKey} calls: {Placements.Describe(_cluster, reports)}");
        Assert.All(reports, report => Assert.Equal(GpuSilo, report.Silo));
        foreach (var key in keys)
        {
            var activations = reports.Where(report => report.Key == key).Select(report => report.ActivationId).Distinct().Count();
            Assert.InRange(activations, 1, kind.MaxPerSilo());

            // The management grain asks every silo whether it holds the grain: only the gpu silo does.
            Assert.Equal(1, await _cluster.SilosHoldingAsync(kind.Get(_cluster.Client, key)));
        }
    }
}
