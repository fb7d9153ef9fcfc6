using System.Globalization;
using Kcm.OrleansCluster.Tests.Support;
using Xunit.Abstractions;

namespace Kcm.OrleansCluster.Tests;

/// <summary>A version published while 8 clients classify reaches every silo process within 2 s and fails no call.</summary>
[Collection(ProcessClusterCollection.Name)]
public sealed class PublishTests(ProcessClusterFixture cluster, ITestOutputHelper output)
{
    [Fact]
    public async Task AVersionPublishedUnderLoad_IsServedByEverySiloWithin2s_AndFailsNoCall()
    {
        await cluster.EnsureAllRunningAsync();
        // No backlog of earlier tests' records: distillation works only on this test's load.
        await TeacherLedger.QuietAsync(cluster, TimeSpan.FromSeconds(60));
        var load = ClusterLoad.Start(cluster.Clients, cluster.Images, Kcm.Core.Data.FashionMnist.PixelCount);
        await Task.Delay(TimeSpan.FromSeconds(2));
        var before = await cluster.Client.GetServingVersionAsync(ClusterLoad.Model);
        // A threshold change publishes a new version (same weights, new threshold), as a distillation round would.
        var threshold = before!.Threshold > 0.99985 ? 0.9998 : 0.9999;

        var published = await cluster.Client.SetThresholdAsync(ClusterLoad.Model, threshold);
        var served = await SiloVersions.TimeToServeAsync(cluster.Silos, published.Version, TimeSpan.FromSeconds(10));
        await Task.Delay(TimeSpan.FromSeconds(1));
        var recording = await load.StopAsync();

        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"version {published.Version} (threshold {threshold}) served after: {string.Join(", ", served.Select(s => $"{s.Key} {s.Value?.TotalSeconds:F2} s"))}; "
            + $"{recording.Calls.Count} calls under load, {recording.Failures.Count} failed"));
        Assert.True(recording.Failures.Count == 0, $"{recording.Failures.Count} calls failed: {recording.DescribeFailures()}");
        foreach (var (silo, after) in served)
        {
            Assert.True(after is { TotalSeconds: <= 2 }, $"{silo} served version {published.Version} only after {after?.TotalSeconds.ToString("F2", CultureInfo.InvariantCulture) ?? "never (10 s)"}");
        }
    }
}
