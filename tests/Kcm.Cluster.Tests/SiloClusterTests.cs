using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Kcm.Cluster.Tests.Support;
using Kcm.Contracts;

namespace Kcm.Cluster.Tests;

/// <summary>Silos with different roles in one process, joined over the real broker.</summary>
[Collection(BrokerCollection.Name)]
public sealed class SiloClusterTests(BrokerFixture fixture) : IDisposable
{
    private readonly string _store = Directory.CreateTempSubdirectory("kcm-cluster-silos-").FullName;

    public void Dispose() => Directory.Delete(_store, recursive: true);

    [Fact]
    public async Task A_front_two_large_silos_and_a_distiller_serve_distil_and_swap_together()
    {
        var broker = fixture.Broker.Uri;
        // The distiller comes first: it makes the initial small model the others load.
        await using var distiller = await ClusterSilo.StartAsync(broker, _store, "distiller-1", "distiller");
        await using var large1 = await ClusterSilo.StartAsync(broker, _store, "large-1", "large");
        await using var large2 = await ClusterSilo.StartAsync(broker, _store, "large-2", "large");
        await using var front = await ClusterSilo.StartAsync(broker, _store, "front-1", "front");
        large1.Large.Delay = TimeSpan.FromMilliseconds(5);
        large2.Large.Delay = TimeSpan.FromMilliseconds(5);

        // Every sample takes the large route (the judge is never confident); both workers take a share.
        var inputs = Enumerable.Range(0, 8).Select(i => new[] { i, 1f, 2f, 3f }).ToArray();
        var responses = await Task.WhenAll(Enumerable.Range(0, 40).Select(_ => InferAsync(front, inputs)));
        Assert.All(responses, r => Assert.All(r.Results, result => Assert.Equal(InferenceRoute.Large, result.Route)));
        Assert.All(responses, r => Assert.All(r.Results, result => Assert.Equal(1, result.SmallModelVersion)));
        Assert.Equal(40 * 8, large1.Large.SamplesRun + large2.Large.SamplesRun);
        Assert.True(large1.Large.SamplesRun > 0 && large2.Large.SamplesRun > 0, $"large-1 ran {large1.Large.SamplesRun}, large-2 {large2.Large.SamplesRun}");

        // Only fronts answer inference.
        using var refused = await large1.Http.PostAsJsonAsync(KcmRoutes.InferPath(KcmRoutes.DefaultModel), new InferRequest(inputs));
        Assert.Equal(HttpStatusCode.NotFound, refused.StatusCode);
        Assert.Contains("not_a_front", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // The front's teacher records reach the distiller; its round's new version reaches the front within 2 s.
        var teachers = distiller.Host.Node.Grains!.Teachers;
        await WaitUntilAsync(() => Task.FromResult(teachers.Count >= 40 * 8), TimeSpan.FromSeconds(15));
        using var distill = await distiller.Http.PostAsync(KcmRoutes.DistillPath(KcmRoutes.DefaultModel), null);
        Assert.Equal(HttpStatusCode.OK, distill.StatusCode);
        var swapped = Stopwatch.StartNew();
        await WaitUntilAsync(async () => await SmallVersionAsync(front) == 2, TimeSpan.FromSeconds(2));
        Assert.True(swapped.Elapsed < TimeSpan.FromSeconds(2));
        // The distilled judge (still never confident: all its logits are equal) reaches the front too.
        var distilledJudge = distiller.Host.Node.Grains!.Judge.Current.Version;
        Assert.True(distilledJudge > 0, "the round stored no judge version");
        await WaitUntilAsync(() => Task.FromResult(front.Host.Node.Grains!.Judge.Current.Version == distilledJudge), TimeSpan.FromSeconds(2));
        var after = await InferAsync(front, inputs);
        Assert.All(after.Results, result => Assert.Equal(2, result.SmallModelVersion));

        // A front started afterwards comes up on the new version.
        await using var lateFront = await ClusterSilo.StartAsync(broker, _store, "front-2", "front");
        Assert.Equal(2, await SmallVersionAsync(lateFront));
        Assert.Equal(distilledJudge, lateFront.Host.Node.Grains!.Judge.Current.Version);

        // Rollback through one front's admin API reaches every node.
        using var rollback = await front.Http.PostAsJsonAsync(KcmRoutes.RollbackPath(KcmRoutes.DefaultModel), new RollbackRequest(null));
        Assert.Equal(HttpStatusCode.OK, rollback.StatusCode);
        await WaitUntilAsync(async () => await SmallVersionAsync(lateFront) == 1 && await SmallVersionAsync(distiller) == 1, TimeSpan.FromSeconds(2));

        var metrics = await front.Http.GetStringAsync(KcmRoutes.Metrics);
        Assert.Contains("kcm_node_info{node=\"front-1\",roles=\"front\",small_version=\"1\"} 1", metrics, StringComparison.Ordinal);
        Assert.Contains("kcm_broker_queue_messages{queue=\"kcm.large.fashion-mnist\"}", metrics, StringComparison.Ordinal);
    }

    private static async Task<InferResponse> InferAsync(ClusterSilo silo, float[][] inputs)
    {
        using var response = await silo.Http.PostAsJsonAsync(KcmRoutes.InferPath(KcmRoutes.DefaultModel), new InferRequest(inputs));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {body}");
        return JsonSerializer.Deserialize(body, KcmJsonContext.Default.InferResponse)!;
    }

    private static async Task<int> SmallVersionAsync(ClusterSilo silo) => (await silo.Host.Node.Grains!.Small.GetCurrentAsync()).Version;

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan timeout)
    {
        var stopwatch = Stopwatch.StartNew();
        while (!await condition())
        {
            Assert.True(stopwatch.Elapsed < timeout, $"condition not met within {timeout}");
            await Task.Delay(10);
        }
    }
}
