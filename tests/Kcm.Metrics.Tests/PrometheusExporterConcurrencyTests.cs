using System.Diagnostics.Metrics;

namespace Kcm.Metrics.Tests;

public sealed class PrometheusExporterConcurrencyTests
{
    private const int Threads = 8;
    private const int PerThread = 20_000;

    [Fact]
    public async Task Record_FromManyThreads_SumsExactly()
    {
        using var scope = new ExporterScope();
        var counter = scope.Meter.CreateCounter<long>("kcm_parallel_total");
        var fractions = scope.Meter.CreateCounter<double>("kcm_parallel_seconds_total");
        var histogram = scope.Meter.CreateHistogram<double>(
            "kcm_parallel_seconds", unit: null, description: null, tags: null,
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.5] });
        string[] routes = ["small", "large", "other"];

        // Scrapes run alongside the writers to show reading a snapshot does not disturb recording.
        using var stop = new CancellationTokenSource();
        var scraper = Task.Run(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                scope.Scrape();
            }
        });
        Parallel.For(0, Threads, new ParallelOptions { MaxDegreeOfParallelism = Threads }, thread =>
        {
            for (var i = 0; i < PerThread; i++)
            {
                // Route varies per sample, so new series are created while others record.
                var route = new KeyValuePair<string, object?>("route", routes[(thread + i) % routes.Length]);
                counter.Add(1, route);
                fractions.Add(0.25, route);
                histogram.Record(i % 2 == 0 ? 0.25 : 0.75);
            }
        });
        stop.Cancel();
        await scraper;

        var lines = scope.SampleLines();
        const int Total = Threads * PerThread;
        var perRoute = lines.Where(l => l.StartsWith("kcm_parallel_total{", StringComparison.Ordinal)).Select(ValueOf).ToArray();
        Assert.Equal(3, perRoute.Length);
        Assert.Equal(Total, perRoute.Sum());
        Assert.Equal(Total * 0.25, lines.Where(l => l.StartsWith("kcm_parallel_seconds_total{", StringComparison.Ordinal)).Sum(ValueOf));
        Assert.Contains($"kcm_parallel_seconds_bucket{{le=\"0.5\"}} {Total / 2}", lines);
        Assert.Contains($"kcm_parallel_seconds_count {Total}", lines);
        Assert.Equal(Total / 2 * 0.25 + Total / 2 * 0.75, ValueOf(lines.Single(l => l.StartsWith("kcm_parallel_seconds_sum", StringComparison.Ordinal))));
    }

    [Fact]
    public void Record_TagSetAlreadySeen_AllocatesNothing()
    {
        using var scope = new ExporterScope();
        var counter = scope.Meter.CreateCounter<long>("kcm_alloc_total");
        var histogram = scope.Meter.CreateHistogram<double>("kcm_alloc_seconds");
        var route = new KeyValuePair<string, object?>("route", "small");
        var model = new KeyValuePair<string, object?>("model", "fashion-mnist");
        counter.Add(1, route, model);
        histogram.Record(0.001, route, model);

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 10_000; i++)
        {
            counter.Add(1, route, model);
            histogram.Record(0.001, route, model);
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
        Assert.Contains("kcm_alloc_total{model=\"fashion-mnist\",route=\"small\"} 10001", scope.SampleLines());
    }

    private static double ValueOf(string line) =>
        double.Parse(line[(line.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture);
}
