using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using Kcm.Contracts;
using Kcm.OrleansCluster.Tests.Support;
using Xunit.Abstractions;

namespace Kcm.OrleansCluster.Tests;

/// <summary>A silo that joins the running cluster later serves the version current then, and takes requests.</summary>
[Collection(ProcessClusterCollection.Name)]
public sealed class JoinTests(ProcessClusterFixture cluster, ITestOutputHelper output)
{
    [Fact]
    public async Task AGpuSiloJoiningLater_ServesTheCurrentVersion()
    {
        await cluster.EnsureAllRunningAsync();
        await TeacherLedger.QuietAsync(cluster, TimeSpan.FromSeconds(60));
        var before = await cluster.Client.GetServingVersionAsync(ClusterLoad.Model);
        var current = await cluster.Client.SetThresholdAsync(ClusterLoad.Model, before!.Threshold > 0.99985 ? 0.9998 : 0.9999);
        await using var late = cluster.NewSilo("gpu-late", "gpu");
        var clock = Stopwatch.StartNew();

        late.Start();
        await late.WaitUntilReadyAsync(ProcessClusterFixture.ReadyTimeout);
        var joined = clock.Elapsed;
        using var http = new HttpClient { BaseAddress = late.Url, Timeout = TimeSpan.FromSeconds(30) };
        using var response = await http.PostAsJsonAsync(KcmRoutes.InferPath(ClusterLoad.Model),
            new InferRequest([cluster.Images[..Kcm.Core.Data.FashionMnist.PixelCount]]), KcmJsonContext.Default.InferRequest);
        var body = await response.Content.ReadAsStringAsync();
        var rows = (await cluster.MembershipAsync()).Where(r => r.SiloName == late.Name).ToList();
        var served = await late.MetricAsync("kcm_serving_version");
        // A distillation round may have published since (it keeps the threshold): the late silo serves the registry's current version.
        var now = (await cluster.Client.GetServingVersionAsync(ClusterLoad.Model))!;

        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{late.Name} joined and was ready {joined.TotalSeconds:F1} s after its start; version {current.Version}: {body}"));
        Assert.InRange(served, current.Version, now.Version);
        Assert.True(response.IsSuccessStatusCode, body);
        var answer = System.Text.Json.JsonSerializer.Deserialize(body, KcmJsonContext.Default.InferResponse)!;
        Assert.Equal(current.Threshold, answer.Threshold);
        Assert.InRange(answer.Results[0].SmallModelVersion, current.Small.Version, now.Small.Version);
        Assert.Contains(rows, r => r.IsActive);
        await late.StopAsync(TimeSpan.FromSeconds(20));
    }
}
