using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Kcm.Cluster.Tests.Support;
using Kcm.Contracts;

namespace Kcm.Cluster.Tests;

/// <summary>Silos while their broker goes away and comes back.</summary>
[Collection(RestartableBrokerCollection.Name)]
public sealed class SiloBrokerOutageTests(BrokerFixture fixture) : IDisposable
{
    private readonly string _store = Directory.CreateTempSubdirectory("kcm-cluster-outage-").FullName;

    public void Dispose() => Directory.Delete(_store, recursive: true);

    [Fact]
    public async Task A_front_is_not_ready_and_refuses_with_a_retriable_503_while_the_broker_is_down_then_recovers()
    {
        var broker = fixture.Broker;
        await using var distiller = await ClusterSilo.StartAsync(broker.Uri, _store, "distiller-1", "distiller,large");
        await using var front = await ClusterSilo.StartAsync(broker.Uri, _store, "front-1", "front");
        var inputs = new[] { new[] { 1f, 2f, 3f, 4f } };
        using (var before = await front.Http.PostAsJsonAsync(KcmRoutes.InferPath(KcmRoutes.DefaultModel), new InferRequest(inputs)))
        {
            Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        }

        await broker.StopAsync();
        await WaitUntilAsync(async () => (await front.Http.GetAsync(KcmRoutes.Readyz)).StatusCode == HttpStatusCode.ServiceUnavailable, TimeSpan.FromSeconds(5));
        using (var notReady = await front.Http.GetAsync(KcmRoutes.Readyz))
        {
            Assert.Contains("broker_disconnected", await notReady.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        var refusing = Stopwatch.StartNew();
        using (var during = await front.Http.PostAsJsonAsync(KcmRoutes.InferPath(KcmRoutes.DefaultModel), new InferRequest(inputs)))
        {
            var problem = await during.Content.ReadFromJsonAsync(KcmJsonContext.Default.KcmProblemDetails);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, during.StatusCode);
            Assert.Equal("large_model_unavailable", problem!.Code);
            Assert.True(problem.Retriable);
            Assert.True(during.Headers.RetryAfter is not null, "a retriable refusal says when to retry");
        }

        Assert.True(refusing.Elapsed < TimeSpan.FromSeconds(1), $"refusing took {refusing.Elapsed}");

        await broker.StartAgainAsync();
        var recovering = Stopwatch.StartNew();
        await WaitUntilAsync(async () => (await front.Http.GetAsync(KcmRoutes.Readyz)).StatusCode == HttpStatusCode.OK, TimeSpan.FromSeconds(15));
        await WaitUntilAsync(
            async () =>
            {
                using var after = await front.Http.PostAsJsonAsync(KcmRoutes.InferPath(KcmRoutes.DefaultModel), new InferRequest(inputs));
                return after.StatusCode == HttpStatusCode.OK;
            },
            TimeSpan.FromSeconds(15));
        Assert.True(recovering.Elapsed < TimeSpan.FromSeconds(15), $"recovery took {recovering.Elapsed}");
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan timeout)
    {
        var stopwatch = Stopwatch.StartNew();
        while (!await condition())
        {
            Assert.True(stopwatch.Elapsed < timeout, $"condition not met within {timeout}");
            await Task.Delay(50);
        }
    }
}
