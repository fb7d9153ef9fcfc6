using System.Diagnostics.Metrics;
using Kcm.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Kcm.Metrics.Tests;

/// <summary>A real Prometheus scrapes the exporter over HTTP and reads the values back through its query API.</summary>
public sealed class PrometheusScrapeTests
{
    [Fact]
    public async Task Scrape_ByRealPrometheus_ReturnsCounterAndHistogramThroughTheQueryApi()
    {
        using var scope = new ExporterScope();
        var requests = scope.Meter.CreateCounter<long>("kcm_scrape_requests_total", description: "Requests.");
        var duration = scope.Meter.CreateHistogram<double>(
            "kcm_scrape_duration_seconds", unit: "s", description: "Durations.", tags: null,
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.01, 0.1, 1] });
        var small = new KeyValuePair<string, object?>("route", "small");
        requests.Add(40, small);
        requests.Add(2, small);
        requests.Add(5, new KeyValuePair<string, object?>("route", "large"));
        duration.Record(0.005, small);
        duration.Record(0.05, small);
        duration.Record(0.5, small);

        await using var app = await StartMetricsAppAsync(scope.Exporter);
        var target = new Uri(app.Urls.Single()).Authority;
        using var prometheus = await PrometheusServer.StartAsync(target);
        var timeout = TimeSpan.FromSeconds(30);

        var counter = await prometheus.WaitForAsync("kcm_scrape_requests_total{route=\"small\"}", _ => true, timeout);
        var count = await prometheus.WaitForAsync("kcm_scrape_duration_seconds_count", _ => true, timeout);
        var bucket = await prometheus.WaitForAsync("kcm_scrape_duration_seconds_bucket{le=\"0.1\"}", _ => true, timeout);
        var sum = await prometheus.WaitForAsync("sum(kcm_scrape_requests_total)", _ => true, timeout);
        var up = await prometheus.QueryAsync("up");

        Assert.Equal(42, Assert.Single(counter).Value);
        Assert.Equal("kcm", counter[0].Labels["job"]);
        Assert.Equal(3, Assert.Single(count).Value);
        Assert.Equal(2, Assert.Single(bucket).Value);
        Assert.Equal(47, Assert.Single(sum).Value);
        Assert.Equal(1, Assert.Single(up).Value);
    }

    private static async Task<WebApplication> StartMetricsAppAsync(PrometheusExporter exporter)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        app.MapGet("/metrics", async (HttpContext context) =>
        {
            context.Response.ContentType = PrometheusExporter.ContentType;
            await exporter.WriteAsync(context.Response.Body, context.RequestAborted);
        });
        await app.StartAsync();
        return app;
    }
}
