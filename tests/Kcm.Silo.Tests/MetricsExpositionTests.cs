using Kcm.Contracts;
using Kcm.Grains.Telemetry;
using Kcm.Silo.Tests.Support;
using Kcm.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Kcm.Silo.Tests;

/// <summary>
/// The silo's /metrics as OpenTelemetry's Prometheus exporter serves it: the kcm_ families keep the names, labels and
/// histogram buckets the dashboard, rules and alerts were written against; scrapes are fresh; each silo shows only its own.
/// </summary>
[Collection(SerialCollection.Name)]
public sealed class MetricsExpositionTests
{
    private const string OpenMetricsFirst =
        "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";

    [Fact]
    public async Task Scrape_AfterTraffic_KcmFamiliesKeepTheirNamesLabelsAndBuckets()
    {
        await using var silo = await TestSilo.StartAsync();
        await silo.InferOkAsync(TestModels.Confident(), TestModels.Confident(), TestModels.Doubtful());

        var text = await silo.Http.GetStringAsync(KcmRoutes.Metrics);
        var samples = ExpositionText.Samples(text);

        Assert.Contains("# TYPE kcm_requests_total counter\n", text, StringComparison.Ordinal);
        Assert.Contains("# TYPE kcm_request_duration_seconds histogram\n", text, StringComparison.Ordinal);
        Assert.Contains("# TYPE kcm_small_model_version gauge\n", text, StringComparison.Ordinal);
        Assert.Equal(2, ExpositionText.Sum(text, "kcm_requests_total", ("route", "small"), ("outcome", "ok")));
        Assert.Equal(1, ExpositionText.Sum(text, "kcm_requests_total", ("route", "large"), ("outcome", "ok")));
        Assert.All(samples.Where(s => s.Name == "kcm_requests_total"), s => Assert.Equal(["outcome", "route"], s.Labels.Keys.Order()));
        Assert.Equal(
            ["0.0001", "0.00025", "0.0005", "0.001", "0.0025", "0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "+Inf"],
            BucketBounds(text, "kcm_request_duration_seconds", ("route", "small")));
        Assert.Equal(
            ["0.5", "0.6", "0.7", "0.8", "0.9", "0.95", "0.97", "0.98", "0.99", "0.995", "0.999", "1", "+Inf"],
            BucketBounds(text, "kcm_judge_confidence"));
        Assert.Equal(
            ["1", "2", "4", "8", "16", "32", "64", "128", "256", "512", "1024", "+Inf"],
            BucketBounds(text, "kcm_batch_size", ("stage", "request")));
        Assert.Equal(3, ExpositionText.Sum(text, "kcm_judge_confidence_bucket", ("le", "+Inf")));
        Assert.Equal(2, ExpositionText.Sum(text, "kcm_judge_confidence_bucket", ("le", "1")) - ExpositionText.Sum(text, "kcm_judge_confidence_bucket", ("le", "0.999")));
        Assert.Equal(1, ExpositionText.Sum(text, "kcm_small_model_version"));

        // Nothing added to the names or labels: no otel_scope_* labels, no target_info, no unit or type suffixes.
        Assert.DoesNotContain("otel_scope", text, StringComparison.Ordinal);
        Assert.DoesNotContain("target_info", text, StringComparison.Ordinal);
        Assert.DoesNotContain(samples, s => s.Name.StartsWith("kcm_", StringComparison.Ordinal) && s.Name.EndsWith("_ratio", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Scrape_AskingForOpenMetricsAsPrometheusDoes_GetsTheTextFormatWithoutCreatedSeries()
    {
        await using var silo = await TestSilo.StartAsync();
        await silo.InferOkAsync(TestModels.Confident());
        using var request = new HttpRequestMessage(HttpMethod.Get, KcmRoutes.Metrics);
        request.Headers.Accept.ParseAdd(OpenMetricsFirst);

        using var response = await silo.Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();

        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("version=0.0.4", response.Content.Headers.ContentType?.ToString(), StringComparison.Ordinal);
        Assert.Contains("# TYPE kcm_requests_total counter\n", text, StringComparison.Ordinal);
        Assert.DoesNotContain("_created", text, StringComparison.Ordinal);
        Assert.DoesNotContain("# EOF", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Scrape_RightAfterEachRequest_ShowsThatRequest()
    {
        await using var silo = await TestSilo.StartAsync();

        for (var sent = 1; sent <= 5; sent++)
        {
            await silo.InferOkAsync(TestModels.Confident());
            var text = await silo.Http.GetStringAsync(KcmRoutes.Metrics);

            Assert.Equal(sent, ExpositionText.Sum(text, "kcm_requests_total", ("route", "small"), ("outcome", "ok")));
        }
    }

    [Fact]
    public async Task TwoSilosInOneProcess_EachScrapeShowsOnlyItsOwnFigures()
    {
        await using var first = await TestSilo.StartAsync();
        await using var second = await TestSilo.StartAsync();
        await first.InferOkAsync(TestModels.Confident(), TestModels.Confident());
        await second.InferOkAsync(TestModels.Confident(), TestModels.Confident(), TestModels.Doubtful());

        var firstText = await ScrapeUntilAsync(first, text => ExpositionText.Sum(text, "http_server_request_duration_seconds_count", ("http_route", KcmRoutes.Infer)) >= 1);
        var secondText = await second.Http.GetStringAsync(KcmRoutes.Metrics);

        Assert.Equal(2, ExpositionText.Sum(firstText, "kcm_requests_total"));
        Assert.Equal(3, ExpositionText.Sum(secondText, "kcm_requests_total"));
        Assert.Single(ExpositionText.Select(firstText, "kcm_small_model_version"));
        Assert.Equal(0, ExpositionText.Sum(firstText, "kcm_teacher_records_queued_total"));
        Assert.Equal(1, ExpositionText.Sum(secondText, "kcm_teacher_records_queued_total"));
        Assert.Equal(1, ExpositionText.Sum(firstText, "http_server_request_duration_seconds_count", ("http_route", KcmRoutes.Infer)));
    }

    [Fact]
    public async Task Scrape_ListsTheRuntimeAndAspNetCoreMetrics()
    {
        await using var silo = await TestSilo.StartAsync();
        await silo.InferOkAsync(TestModels.Confident());

        var text = await ScrapeUntilAsync(silo, text => ExpositionText.Sum(text, "http_server_request_duration_seconds_count", ("http_route", KcmRoutes.Infer)) >= 1);
        var families = ExpositionText.Families(text);

        Assert.Contains("dotnet_gc_heap_total_allocated_bytes_total", families);
        Assert.Contains("dotnet_process_cpu_time_seconds_total", families);
        Assert.Contains("http_server_request_duration_seconds", families);
        Assert.Equal(1, ExpositionText.Sum(text, "http_server_request_duration_seconds_count",
            ("http_route", KcmRoutes.Infer), ("http_request_method", "POST"), ("http_response_status_code", "200")));
    }

    [Fact]
    public async Task Scrape_ManyAtOnceWhileThreadsRecord_EveryScrapeAnswersAndTheSumsAreExact()
    {
        const int Threads = 4;
        const int PerThread = 20_000;
        await using var silo = await TestSilo.StartAsync();
        var instruments = silo.Host.Services.GetRequiredService<KcmInstruments>();
        string[] routes = ["small", "large", "none"];
        using var stop = new CancellationTokenSource();
        var failures = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var scrapes = 0;

        // Scrapes overlap each other and the recording: with no response cache every one of them collects.
        var scrapers = Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                using var response = await silo.Http.GetAsync(KcmRoutes.Metrics);
                var text = await response.Content.ReadAsStringAsync();
                if (!response.IsSuccessStatusCode || !text.Contains("# TYPE kcm_small_model_version gauge", StringComparison.Ordinal))
                {
                    failures.Enqueue($"{(int)response.StatusCode}: {text[..Math.Min(200, text.Length)]}");
                }

                Interlocked.Increment(ref scrapes);
            }
        })).ToArray();
        Parallel.For(0, Threads, new ParallelOptions { MaxDegreeOfParallelism = Threads }, thread =>
        {
            for (var i = 0; i < PerThread; i++)
            {
                // The route varies per measurement, so series are made while others record.
                var route = new KeyValuePair<string, object?>("route", routes[(thread + i) % routes.Length]);
                instruments.Requests.Add(1, route, new KeyValuePair<string, object?>("outcome", "ok"));
                instruments.RequestDuration.Record(i % 2 == 0 ? 0.0002 : 0.2, route);
            }
        });
        await stop.CancelAsync();
        await Task.WhenAll(scrapers);

        var text = await silo.Http.GetStringAsync(KcmRoutes.Metrics);
        Assert.True(failures.IsEmpty, string.Join("\n", failures.Take(5)));
        Assert.True(scrapes > 0);
        Assert.Equal(Threads * PerThread, ExpositionText.Sum(text, "kcm_requests_total"));
        Assert.Equal(3, ExpositionText.Select(text, "kcm_requests_total").Count());
        Assert.Equal(Threads * PerThread / 2, ExpositionText.Sum(text, "kcm_request_duration_seconds_bucket", ("le", "0.00025")));
        Assert.Equal(Threads * PerThread, ExpositionText.Sum(text, "kcm_request_duration_seconds_count"));
        Assert.Equal((Threads * PerThread / 2 * 0.0002) + (Threads * PerThread / 2 * 0.2), ExpositionText.Sum(text, "kcm_request_duration_seconds_sum"), 6);
    }

    [Fact]
    public async Task Recording_WhileTheSiloExports_AllocatesNothing()
    {
        await using var silo = await TestSilo.StartAsync();
        var instruments = silo.Host.Services.GetRequiredService<KcmInstruments>();
        var route = new KeyValuePair<string, object?>("route", "small");
        var outcome = new KeyValuePair<string, object?>("outcome", "ok");
        // Warm-up: the first measurements make the series and the exporter's per-thread buffers.
        for (var i = 0; i < 1_000; i++)
        {
            instruments.Requests.Add(1, route, outcome);
            instruments.RequestDuration.Record(0.001, route);
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 10_000; i++)
        {
            instruments.Requests.Add(1, route, outcome);
            instruments.RequestDuration.Record(0.001, route);
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
        var text = await silo.Http.GetStringAsync(KcmRoutes.Metrics);
        Assert.Equal(11_000, ExpositionText.Sum(text, "kcm_requests_total", ("route", "small"), ("outcome", "ok")));
        Assert.Equal(11_000, ExpositionText.Sum(text, "kcm_request_duration_seconds_bucket", ("route", "small"), ("le", "0.001")));
    }

    /// <summary>
    /// Scrapes until <paramref name="done"/> holds (at most 10 s): ASP.NET Core records a request's duration once the
    /// response is complete, which can be just after the client has read it.
    /// </summary>
    private static async Task<string> ScrapeUntilAsync(TestSilo silo, Func<string, bool> done)
    {
        var stopwatch = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            var text = await silo.Http.GetStringAsync(KcmRoutes.Metrics);
            if (done(text) || stopwatch.Elapsed > TimeSpan.FromSeconds(10))
            {
                return text;
            }

            await Task.Delay(50);
        }
    }

    /// <summary>The <c>le</c> values of a histogram's series, in the order written.</summary>
    private static string[] BucketBounds(string text, string histogram, params (string Name, string Value)[] labels) =>
        [.. ExpositionText.Select(text, histogram + "_bucket", labels).Select(s => s.Labels["le"])];
}
