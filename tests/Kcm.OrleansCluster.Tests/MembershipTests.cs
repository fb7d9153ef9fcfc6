using System.Globalization;
using Kcm.OrleansCluster.Tests.Support;
using Xunit.Abstractions;

namespace Kcm.OrleansCluster.Tests;

/// <summary>
/// The membership timings that declare a killed silo dead in about a second must not declare a live one dead while
/// 8 clients and back-to-back distillation rounds keep both cores busy.
/// </summary>
[Collection(ProcessClusterCollection.Name)]
public sealed class MembershipTests(ProcessClusterFixture cluster, ITestOutputHelper output)
{
    private static readonly TimeSpan LoadTime = TimeSpan.FromSeconds(60); // issue 15: a 60 s load run with no fault

    [Fact]
    public async Task LoadWithDistillationOnBothCores_DeclaresNoLiveSiloDead()
    {
        await cluster.EnsureAllRunningAsync();
        // No backlog of earlier tests' records: distillation works only on this test's load.
        await TeacherLedger.QuietAsync(cluster, TimeSpan.FromSeconds(60));
        var distillers = cluster.WithRole("distiller").ToList();
        var roundsBefore = await Task.WhenAll(distillers.Select(d => d.MetricAsync("kcm_distillation_rounds_total")));
        var load = ClusterLoad.Start(cluster.Clients, cluster.Images, Kcm.Core.Data.FashionMnist.PixelCount);
        await Task.Delay(LoadTime);
        var loadAverage = File.ReadAllText("/proc/loadavg").Split(' ')[0];
        var recording = await load.StopAsync();
        var rounds = (await Task.WhenAll(distillers.Select(d => d.MetricAsync("kcm_distillation_rounds_total")))).Sum() - roundsBefore.Sum();
        var rows = await cluster.MembershipAsync();

        var table = string.Join(", ", rows.OrderBy(r => r.SiloName).Select(r => $"{r.SiloName}#{r.Generation % 1000} {r.Status} ({r.Suspicions} suspicions)"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{LoadTime.TotalSeconds:F0} s of load: {recording.Calls.Count} calls ({recording.Failures.Count} failed), {rounds:F0} distillation rounds, "
            + $"machine load average {loadAverage} on {Environment.ProcessorCount} cores; membership rows: {table}; kills so far: {string.Join(", ", cluster.Kills)}"));
        Assert.True(recording.Failures.Count == 0, $"{recording.Failures.Count} calls failed: {recording.DescribeFailures()}");
        Assert.True(rounds > 0, "no distillation round ran under the load");
        foreach (var silo in cluster.Silos)
        {
            var incarnations = rows.Where(r => r.SiloName == silo.Name && r.SiloPort == silo.SiloPort).OrderBy(r => r.Generation).ToList();
            Assert.True(incarnations.Count > 0 && incarnations[^1].IsActive, $"{silo.Name}, running, is not Active in the membership table");
            var dead = incarnations.Count(r => r.IsDead);
            var killed = cluster.Kills.Count(k => k == silo.Name);
            Assert.True(dead <= killed, $"{silo.Name} has {dead} dead incarnations but was killed {killed} times: a live incarnation was declared dead");
        }
    }
}
