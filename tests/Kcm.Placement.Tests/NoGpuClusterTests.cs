using Kcm.Placement.Tests.Grains;
using Xunit.Abstractions;

namespace Kcm.Placement.Tests;

/// <summary>No silo declares gpu: gpu-filtered grains fail clearly instead of landing elsewhere; distiller placement still works.</summary>
public sealed class NoGpuClusterTests(NoGpuCluster fixture, ITestOutputHelper output) : IClassFixture<NoGpuCluster>
{
    private readonly RoleCluster _cluster = fixture.Cluster;

    [Theory]
    [InlineData(WorkerKind.Default, "gpuworker")]
    [InlineData(WorkerKind.Single, "gpusingleworker")]
    public async Task CalledFromTheClient_FailsWithNoSiloWithRole(WorkerKind kind, string grainType)
    {
        var worker = kind.Get(_cluster.Client, Random.Shared.NextInt64());

        var exception = await Assert.ThrowsAsync<NoSiloWithRoleException>(() => worker.WhereAsync(0));

        AssertClear(exception, grainType);
    }

    [Theory]
    [InlineData(WorkerKind.Default, "gpuworker")]
    [InlineData(WorkerKind.Single, "gpusingleworker")]
    public async Task CalledFromAGrainOnEachSilo_FailsWithNoSiloWithRole(WorkerKind kind, string grainType)
    {
        foreach (var silo in _cluster.Roles.Keys)
        {
            var caller = await _cluster.CallerOnAsync(silo);

            var exception = await Assert.ThrowsAsync<NoSiloWithRoleException>(
                () => caller.CallWorkersAsync(kind, [Random.Shared.NextInt64()], 1, 0));

            AssertClear(exception, grainType);
        }
    }

    [Fact]
    public async Task DistillerGrains_LandOnTheDistillerSilo()
    {
        var distiller = Assert.Single(_cluster.SilosWith(SiloRoles.Distiller));

        var reports = await Task.WhenAll(Enumerable.Range(0, 16)
            .Select(_ => _cluster.Client.GetGrain<IDistillerProbeGrain>(Random.Shared.NextInt64()).WhereAsync(0)));

        output.WriteLine(Placements.Describe(_cluster, reports));
        Assert.All(reports, report => Assert.Equal(distiller, report.Silo));
    }

    private void AssertClear(NoSiloWithRoleException exception, string grainType)
    {
        output.WriteLine($"{exception.GetType().FullName}: {exception.Message}");
        Assert.Equal(SiloRoles.Gpu, exception.Role);
        Assert.StartsWith("No active silo declares role 'gpu' (silo metadata 'kcm.roles')", exception.Message, StringComparison.Ordinal);
        Assert.Contains($"grain type '{grainType}'", exception.Message, StringComparison.Ordinal);
        foreach (var (silo, roles) in _cluster.Roles)
        {
            Assert.Contains($"{silo} (roles: {roles})", exception.Message, StringComparison.Ordinal);
        }
    }
}
