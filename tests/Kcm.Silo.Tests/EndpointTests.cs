using System.Net;
using System.Text.Json;
using Kcm.Contracts;
using Kcm.Silo.Tests.Support;

namespace Kcm.Silo.Tests;

[Collection(SerialCollection.Name)]
public sealed class EndpointTests
{
    [Fact]
    public async Task Metrics_AfterTraffic_ExposesKcmFamiliesInPrometheusText()
    {
        await using var silo = await TestSilo.StartAsync();
        await silo.InferOkAsync(TestModels.Confident(), TestModels.Confident(), TestModels.Doubtful());

        using var response = await silo.Http.GetAsync(KcmRoutes.Metrics);
        var text = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("version=0.0.4", response.Content.Headers.ContentType?.ToString());
        Assert.Contains("kcm_requests_total{outcome=\"ok\",route=\"small\"} 2", text);
        Assert.Contains("kcm_requests_total{outcome=\"ok\",route=\"large\"} 1", text);
        foreach (var family in new[]
        {
            "kcm_judge_confidence_bucket", "kcm_request_duration_seconds_bucket", "kcm_batch_size_bucket", "kcm_large_share",
            "kcm_large_queue_depth", "kcm_large_in_flight", "kcm_teacher_records_queued_total", "kcm_small_model_version",
            "kcm_small_model_swaps_total",
        })
        {
            Assert.Contains(family, text);
        }
    }

    [Fact]
    public async Task OpenApi_Document_ListsEveryContractPath()
    {
        await using var silo = await TestSilo.StartAsync();

        using var document = JsonDocument.Parse(await silo.Http.GetStringAsync(KcmRoutes.OpenApi));

        var paths = document.RootElement.GetProperty("paths");
        foreach (var path in new[] { KcmRoutes.Infer, KcmRoutes.Model, KcmRoutes.Threshold, KcmRoutes.Rollback, KcmRoutes.Distill, KcmRoutes.Distillation, KcmRoutes.Metrics, KcmRoutes.Healthz, KcmRoutes.Readyz })
        {
            Assert.True(paths.TryGetProperty(path, out _), $"{path} is missing from the OpenAPI document");
        }

        var inferBody = paths.GetProperty(KcmRoutes.Infer).GetProperty("post").GetProperty("requestBody").GetProperty("content");
        Assert.True(inferBody.TryGetProperty(KcmMediaTypes.OctetStream, out _));
        Assert.True(inferBody.TryGetProperty(KcmMediaTypes.Json, out _));
    }

    [Fact]
    public async Task Health_LiveAndReady_AnswerOk()
    {
        await using var silo = await TestSilo.StartAsync();

        using var live = await silo.Http.GetAsync(KcmRoutes.Healthz);
        using var ready = await silo.Http.GetAsync(KcmRoutes.Readyz);

        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
    }
}
