using System.Diagnostics;
using System.Globalization;
using Kcm.OrleansCluster.Tests.Support;
using Xunit.Abstractions;

namespace Kcm.OrleansCluster.Tests;

/// <summary>kill -9 of a gpu silo under a bounded load of 8 clients through the Orleans client.</summary>
[Collection(ProcessClusterCollection.Name)]
public sealed class GpuSiloKillTests(ProcessClusterFixture cluster, ITestOutputHelper output)
{
    [Fact]
    public async Task KillingTheBusiestGpuSilo_FailsNoClientCall_AndTheOtherGpuSiloTakesOverWithin5s()
    {
        await cluster.EnsureAllRunningAsync();
        // No backlog of earlier tests' records: distillation works only on this test's load.
        await TeacherLedger.QuietAsync(cluster, TimeSpan.FromSeconds(60));
        var gpus = cluster.WithRole("gpu").ToList();
        var load = ClusterLoad.Start(cluster.Clients, cluster.Images, Kcm.Core.Data.FashionMnist.PixelCount);
        // The busiest gpu silo over a few seconds of load is the one whose death the clients feel.
        var before = await Task.WhenAll(gpus.Select(g => g.MetricAsync("kcm_requests_total")));
        await Task.Delay(TimeSpan.FromSeconds(6));
        var after = await Task.WhenAll(gpus.Select(g => g.MetricAsync("kcm_requests_total")));
        var busiest = gpus[Enumerable.Range(0, gpus.Count).MaxBy(i => after[i] - before[i])];
        var survivor = gpus.Single(g => g != busiest);
        var survivorBefore = await survivor.MetricAsync("kcm_requests_total");
        var generation = (await cluster.MembershipAsync()).Single(r => r.SiloName == busiest.Name && r.IsActive).Generation;

        var killedAt = load.Elapsed;
        cluster.Kill(busiest);
        var declaredDead = await DeclaredDeadAfterAsync(busiest.Name, generation, TimeSpan.FromSeconds(20));
        while (load.Elapsed < killedAt + 10)
        {
            await Task.Delay(100);
        }

        var recording = await load.StopAsync();
        var survivorServed = await survivor.MetricAsync("kcm_requests_total") - survivorBefore;
        var baseline = recording.MedianPerSecond(1, (int)killedAt);
        var recovered = recording.RecoveredAfter(killedAt, baseline, 0.8);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"killed {busiest.Name} at {killedAt:F1} s of load; {recording.Calls.Count} calls, {recording.Failures.Count} failed; "
            + $"declared dead in the membership table after {declaredDead?.TotalSeconds:F2} s; longest stretch without an answer {recording.LongestGap(killedAt - 1, killedAt + 10):F2} s; "
            + $"p99 in the kill window (calls started within 5 s after the kill) {recording.Percentile(0.99, killedAt, killedAt + 5):F0} ms, before it {recording.Percentile(0.99, 1, killedAt):F0} ms; "
            + $"throughput before {baseline:F0} calls/s, back to 80 % after {recovered:F1} s; the survivor {survivor.Name} answered {survivorServed:F0} rows after the kill"));
        output.WriteLine("calls answered per second: " + string.Join(' ', recording.CompletedPerSecond()));
        output.WriteLine("calls over 300 ms around the kill (start s, latency ms): " + string.Join(", ", recording.Calls
            .Where(c => c.Start > killedAt - 2 && c.Start < killedAt + 6 && c.LatencyMs > 300)
            .Select(c => string.Create(CultureInfo.InvariantCulture, $"{c.Start - killedAt:F2}/{c.LatencyMs:F0}{(c.Failure is null ? "" : " failed")}"))));

        Assert.True(recording.Failures.Count == 0, $"{recording.Failures.Count} client calls failed: {recording.DescribeFailures()}");
        Assert.NotNull(declaredDead);
        Assert.True(recovered is <= 5.0, $"throughput was not back to 80 % of {baseline:F0}/s within 5 s (after {recovered} s)");
        Assert.True(survivorServed > 0, $"{survivor.Name} answered nothing after the kill");
    }

    private async Task<TimeSpan?> DeclaredDeadAfterAsync(string name, int generation, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            if ((await cluster.MembershipAsync()).Any(r => r.SiloName == name && r.Generation == generation && r.IsDead))
            {
                return clock.Elapsed;
            }

            await Task.Delay(100);
        }

        return null;
    }
}
