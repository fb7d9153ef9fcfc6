using Kcm.Contracts;
using Kcm.Core.Data;
using Kcm.Silo.Tests.Support;
using Kcm.Testing;

namespace Kcm.Silo.Tests;

/// <summary>
/// The silo's /metrics through OpenTelemetry's Prometheus exporter: the grains' kcm_ families keep the names, labels and
/// buckets the dashboards and alerts were written against, Orleans' orleans_ series sit beside them, scrapes are fresh,
/// and each silo in a process shows only its own figures.
/// </summary>
public sealed class MetricsExpositionTests
{
    private const string OpenMetricsFirst =
        "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";

    [Fact]
    public async Task Scrape_AfterTraffic_KcmFamiliesBesideOrleansSeries()
    {
        await using var silo = await TestSilo.StartAsync();
        var rows = Images(6);
        var answer = await silo.InferOkAsync(rows);

        var text = await silo.ScrapeMetricsUntilAsync(t => ExpositionText.Sum(t, "http_server_request_duration_seconds_count", ("http_route", KcmRoutes.Infer)) >= 1);
        var families = ExpositionText.Families(text);
        var samples = ExpositionText.Samples(text);

        var small = answer.Results.Count(r => r.Route == InferenceRoute.Small);
        Assert.Contains("# TYPE kcm_requests_total counter\n", text, StringComparison.Ordinal);
        Assert.Equal(small, ExpositionText.Sum(text, "kcm_requests_total", ("route", "small"), ("outcome", "ok")));
        Assert.Equal(rows.Length - small, ExpositionText.Sum(text, "kcm_requests_total", ("route", "large"), ("outcome", "ok")));
        Assert.All(samples.Where(s => s.Name == "kcm_requests_total"), s => Assert.Equal(["outcome", "route"], s.Labels.Keys.Order()));
        foreach (var family in new[]
        {
            "kcm_judge_confidence", "kcm_request_duration_seconds", "kcm_batch_size", "kcm_large_share", "kcm_large_queue_depth",
            "kcm_large_in_flight", "kcm_small_model_version",
        })
        {
            Assert.Contains(family, families);
        }

        Assert.Equal(rows.Length, ExpositionText.Sum(text, "kcm_judge_confidence_bucket", ("le", "+Inf")));
        Assert.Equal(1, ExpositionText.Sum(text, "kcm_small_model_version"));
        Assert.True(families.Count(f => f.StartsWith("orleans_", StringComparison.Ordinal)) >= 10, "few orleans_ families");
        Assert.Contains(families, f => f.StartsWith("orleans_grain", StringComparison.Ordinal) || f.StartsWith("orleans_catalog", StringComparison.Ordinal));
        Assert.Contains("dotnet_process_cpu_time_seconds_total", families);
        Assert.Equal(1, ExpositionText.Sum(text, "http_server_request_duration_seconds_count",
            ("http_route", KcmRoutes.Infer), ("http_request_method", "POST"), ("http_response_status_code", "200")));
        Assert.DoesNotContain("otel_scope", text, StringComparison.Ordinal);
        Assert.DoesNotContain("target_info", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Scrape_RightAfterEachRequest_ShowsThatRequest()
    {
        await using var silo = await TestSilo.StartAsync();
        var rows = Images(5);

        for (var sent = 1; sent <= rows.Length; sent++)
        {
            await silo.InferOkAsync(rows[sent - 1]);
            // One scrape, no retry: the exporter's response cache is off, so the request just answered is in it.
            var text = await silo.Http.GetStringAsync(KcmRoutes.Metrics);

            Assert.Equal(sent, ExpositionText.Sum(text, "kcm_requests_total", ("outcome", "ok")));
        }
    }

    [Fact]
    public async Task Scrape_AskingForOpenMetricsAsPrometheusDoes_GetsTheTextFormatWithoutCreatedSeries()
    {
        await using var silo = await TestSilo.StartAsync();
        await silo.InferOkAsync(Images(1));
        using var request = new HttpRequestMessage(HttpMethod.Get, KcmRoutes.Metrics);
        request.Headers.Accept.ParseAdd(OpenMetricsFirst);

        using var response = await silo.Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();

        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("version=0.0.4", response.Content.Headers.ContentType?.ToString(), StringComparison.Ordinal);
        Assert.Contains("# TYPE kcm_requests_total counter\n", text, StringComparison.Ordinal);
        Assert.DoesNotContain(ExpositionText.Samples(text), s => s.Name.EndsWith("_created", StringComparison.Ordinal));
        Assert.DoesNotContain("# EOF", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TwoSilosInOneProcess_EachScrapeShowsOnlyItsOwnFigures()
    {
        await using var first = await TestSilo.StartAsync();
        await using var second = await TestSilo.StartAsync();
        await first.InferOkAsync(Images(2));
        await second.InferOkAsync(Images(3));

        var firstText = await first.Http.GetStringAsync(KcmRoutes.Metrics);
        var secondText = await second.Http.GetStringAsync(KcmRoutes.Metrics);

        Assert.Equal(2, ExpositionText.Sum(firstText, "kcm_requests_total"));
        Assert.Equal(3, ExpositionText.Sum(secondText, "kcm_requests_total"));
        Assert.Single(ExpositionText.Select(firstText, "kcm_small_model_version"));
    }

    private static float[][] Images(int count)
    {
        var test = FashionMnist.LoadTest().Slice(0, count);
        return [.. Enumerable.Range(0, count).Select(i => test.Row(i).ToArray())];
    }
}
