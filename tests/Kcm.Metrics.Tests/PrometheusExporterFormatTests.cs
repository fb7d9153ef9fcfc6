using System.Diagnostics.Metrics;
using System.Text.RegularExpressions;

namespace Kcm.Metrics.Tests;

public sealed partial class PrometheusExporterFormatTests
{
    [Fact]
    public void Write_CounterWithTwoTagSets_WritesHelpTypeAndOneSamplePerTagSet()
    {
        using var scope = new ExporterScope();
        var counter = scope.Meter.CreateCounter<long>("kcm_requests_total", description: "Requests served.");
        counter.Add(3, new KeyValuePair<string, object?>("route", "small"));
        counter.Add(2, new KeyValuePair<string, object?>("route", "large"));
        counter.Add(4, new KeyValuePair<string, object?>("route", "small"));

        var text = scope.Scrape();

        Assert.Equal(
            "# HELP kcm_requests_total Requests served.\n" +
            "# TYPE kcm_requests_total counter\n" +
            "kcm_requests_total{route=\"large\"} 2\n" +
            "kcm_requests_total{route=\"small\"} 7\n",
            text);
    }

    [Fact]
    public void Write_TagsInAnotherOrder_CountIntoTheSameSeriesWithSortedLabels()
    {
        using var scope = new ExporterScope();
        var counter = scope.Meter.CreateCounter<int>("kcm_calls_total");
        counter.Add(1, new("b", "2"), new("a", "1"));
        counter.Add(1, new("a", "1"), new("b", "2"));

        Assert.Equal(["kcm_calls_total{a=\"1\",b=\"2\"} 2"], scope.SampleLines());
    }

    [Fact]
    public void Write_HelpTextAndLabelValues_AreEscaped()
    {
        using var scope = new ExporterScope();
        var counter = scope.Meter.CreateCounter<long>("kcm_escaped_total", description: "back\\slash and\nnew line \"quoted\"");
        counter.Add(1, new KeyValuePair<string, object?>("path", "C:\\dir\n\"x\""));

        var lines = scope.Scrape().Split('\n');

        // HELP escapes only backslash and line feed; label values also escape the double quote.
        Assert.Equal("# HELP kcm_escaped_total back\\\\slash and\\nnew line \"quoted\"", lines[0]);
        Assert.Equal("kcm_escaped_total{path=\"C:\\\\dir\\n\\\"x\\\"\"} 1", lines[2]);
    }

    [Fact]
    public void Write_NamesWithInvalidCharacters_AreSanitised()
    {
        using var scope = new ExporterScope();
        var counter = scope.Meter.CreateCounter<long>("kcm.http-requests total");
        counter.Add(1, new KeyValuePair<string, object?>("http.route", "/v1"), new KeyValuePair<string, object?>("9lives", true));

        Assert.Equal(["kcm_http_requests_total{_9lives=\"true\",http_route=\"/v1\"} 1"], scope.SampleLines());
    }

    [Fact]
    public void Write_SeveralInstruments_AreOrderedByMetricName()
    {
        using var scope = new ExporterScope();
        scope.Meter.CreateCounter<long>("kcm_zeta_total").Add(1);
        scope.Meter.CreateCounter<long>("kcm_alpha_total").Add(1);
        scope.Meter.CreateUpDownCounter<long>("kcm_mid").Add(1);

        var types = scope.Scrape().Split('\n').Where(l => l.StartsWith("# TYPE", StringComparison.Ordinal)).ToArray();

        Assert.Equal(["# TYPE kcm_alpha_total counter", "# TYPE kcm_mid gauge", "# TYPE kcm_zeta_total counter"], types);
    }

    [Fact]
    public void Write_HistogramWithAdvice_WritesCumulativeBucketsInfSumAndCount()
    {
        using var scope = new ExporterScope();
        var histogram = scope.Meter.CreateHistogram<double>(
            "kcm_request_duration_seconds",
            unit: "s",
            description: "Request time.",
            tags: null,
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.1, 0.5, 1] });
        var tag = new KeyValuePair<string, object?>("route", "small");
        foreach (var value in new[] { 0.05, 0.1, 0.3, 0.7, 2.0 })
        {
            histogram.Record(value, tag);
        }

        Assert.Equal(
            [
                "kcm_request_duration_seconds_bucket{route=\"small\",le=\"0.1\"} 2",
                "kcm_request_duration_seconds_bucket{route=\"small\",le=\"0.5\"} 3",
                "kcm_request_duration_seconds_bucket{route=\"small\",le=\"1\"} 4",
                "kcm_request_duration_seconds_bucket{route=\"small\",le=\"+Inf\"} 5",
                "kcm_request_duration_seconds_sum{route=\"small\"} 3.15",
                "kcm_request_duration_seconds_count{route=\"small\"} 5",
            ],
            scope.SampleLines());
        Assert.Contains("# TYPE kcm_request_duration_seconds histogram\n", scope.Scrape(), StringComparison.Ordinal);
    }

    [Fact]
    public void Write_HistogramWithoutAdviceOrTags_UsesTheDefaultBoundaries()
    {
        using var scope = new ExporterScope(defaultBoundaries: [1, 10]);
        var histogram = scope.Meter.CreateHistogram<long>("kcm_batch_size");
        histogram.Record(1);
        histogram.Record(5);
        histogram.Record(50);

        Assert.Equal(
            [
                "kcm_batch_size_bucket{le=\"1\"} 1",
                "kcm_batch_size_bucket{le=\"10\"} 2",
                "kcm_batch_size_bucket{le=\"+Inf\"} 3",
                "kcm_batch_size_sum 56",
                "kcm_batch_size_count 3",
            ],
            scope.SampleLines());
    }

    [Fact]
    public void Write_ObservableInstruments_ReportTheirCurrentValuesWithTheirTypes()
    {
        using var scope = new ExporterScope();
        long total = 10;
        double queue = 2.5;
        scope.Meter.CreateObservableCounter("kcm_observed_total", () => total);
        scope.Meter.CreateObservableGauge("kcm_queue_depth", () => new Measurement<double>(queue, new KeyValuePair<string, object?>("pool", "large")));
        scope.Meter.CreateObservableUpDownCounter("kcm_inflight", () => -3);

        var first = scope.Scrape();
        total = 25;
        queue = 0;
        var second = scope.SampleLines();

        Assert.Contains("# TYPE kcm_observed_total counter\nkcm_observed_total 10\n", first, StringComparison.Ordinal);
        Assert.Contains("# TYPE kcm_queue_depth gauge\nkcm_queue_depth{pool=\"large\"} 2.5\n", first, StringComparison.Ordinal);
        Assert.Contains("# TYPE kcm_inflight gauge\nkcm_inflight -3\n", first, StringComparison.Ordinal);
        Assert.Equal(["kcm_inflight -3", "kcm_observed_total 25", "kcm_queue_depth{pool=\"large\"} 0"], second);
    }

    [Fact]
    public void Write_ObservableStopsReportingATagSet_DropsThatSeries()
    {
        using var scope = new ExporterScope();
        var pools = new List<string> { "a", "b" };
        scope.Meter.CreateObservableGauge(
            "kcm_pool_size",
            () => pools.Select(p => new Measurement<int>(1, new KeyValuePair<string, object?>("pool", p))));

        var before = scope.SampleLines();
        pools.Remove("a");
        var after = scope.SampleLines();

        Assert.Equal(["kcm_pool_size{pool=\"a\"} 1", "kcm_pool_size{pool=\"b\"} 1"], before);
        Assert.Equal(["kcm_pool_size{pool=\"b\"} 1"], after);
    }

    [Fact]
    public void Write_UpDownCounterAndGauge_AreGaugesHoldingTheirNetValue()
    {
        using var scope = new ExporterScope();
        var upDown = scope.Meter.CreateUpDownCounter<int>("kcm_sessions");
        upDown.Add(5);
        upDown.Add(-7);
        var gauge = scope.Meter.CreateGauge<double>("kcm_threshold");
        gauge.Record(0.9);
        gauge.Record(0.98);

        Assert.Equal(["kcm_sessions -2", "kcm_threshold 0.98"], scope.SampleLines());
    }

    [Fact]
    public void Write_DoubleCounter_SumsFractionsAndIntegers()
    {
        using var scope = new ExporterScope();
        var counter = scope.Meter.CreateCounter<double>("kcm_seconds_total");
        counter.Add(1.25);
        counter.Add(2);

        Assert.Equal(["kcm_seconds_total 3.25"], scope.SampleLines());
    }

    [Fact]
    public void Write_MeterOutsideThePrefix_IsNotExported()
    {
        using var scope = new ExporterScope();
        using var other = new Meter("Other." + Guid.NewGuid().ToString("N"));
        other.CreateCounter<long>("kcm_other_total").Add(1);
        scope.Meter.CreateCounter<long>("kcm_mine_total").Add(1);

        Assert.Equal(["kcm_mine_total 1"], scope.SampleLines());
    }

    [Fact]
    public void Write_MeterScopeSet_ExportsOnlyMetersOfThatScope()
    {
        // Two hosts in one process, each with a meter of the same name; each exporter sees only its own.
        var name = "KcmScoped." + Guid.NewGuid().ToString("N");
        var mine = new object();
        using var ownMeter = new Meter(new MeterOptions(name) { Scope = mine });
        using var otherMeter = new Meter(new MeterOptions(name) { Scope = new object() });
        using var exporter = new PrometheusExporter(new PrometheusExporterOptions { MeterNamePrefix = name, MeterScope = mine });
        ownMeter.CreateCounter<long>("kcm_scoped_total").Add(1);
        otherMeter.CreateCounter<long>("kcm_scoped_total").Add(100);
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();

        exporter.Write(buffer);

        Assert.Equal("# TYPE kcm_scoped_total counter\nkcm_scoped_total 1\n", System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan));
    }

    [Fact]
    public void Write_TwoInstrumentsWithOneName_ShareOneMetric()
    {
        using var scope = new ExporterScope();
        using var second = new Meter(scope.Meter.Name);
        scope.Meter.CreateCounter<long>("kcm_shared_total").Add(2);
        second.CreateCounter<long>("kcm_shared_total").Add(3);
        second.CreateHistogram<double>("kcm_shared_total").Record(1);

        // Same kind merges; a different kind under the same name is left out rather than breaking the exposition.
        Assert.Equal("# TYPE kcm_shared_total counter\nkcm_shared_total 5\n", scope.Scrape());
    }

    [Fact]
    public void Write_EveryLine_FollowsTheTextFormatGrammar()
    {
        using var scope = new ExporterScope();
        scope.Meter.CreateCounter<long>("kcm_a_total", description: "A \"thing\"\nwith lines").Add(1, new KeyValuePair<string, object?>("x", "q\"\\\n"));
        scope.Meter.CreateHistogram<double>("kcm_b_seconds").Record(0.003, new KeyValuePair<string, object?>("k", 1.5));
        scope.Meter.CreateObservableGauge("kcm_c", () => double.PositiveInfinity);

        var lines = scope.Scrape().TrimEnd('\n').Split('\n');

        Assert.All(lines, line => Assert.Matches(LineGrammar(), line));
        Assert.Contains("kcm_c +Inf", lines);
    }

    [Fact]
    public void Write_NoMeasurementsYet_WritesNothing()
    {
        using var scope = new ExporterScope();
        scope.Meter.CreateCounter<long>("kcm_unused_total");
        scope.Meter.CreateHistogram<double>("kcm_unused_seconds");

        Assert.Equal(string.Empty, scope.Scrape());
    }

    [Fact]
    public async Task WriteAsync_ToAStream_WritesTheSameBytesAsWrite()
    {
        using var scope = new ExporterScope();
        scope.Meter.CreateCounter<long>("kcm_stream_total").Add(9);
        using var stream = new MemoryStream();

        await scope.Exporter.WriteAsync(stream);

        Assert.Equal(scope.Scrape(), System.Text.Encoding.UTF8.GetString(stream.ToArray()));
    }

    // A comment line (HELP/TYPE) or a sample: name, optional {label="escaped",...}, a float value.
    [GeneratedRegex("""^(# (HELP|TYPE) [a-zA-Z_:][a-zA-Z0-9_:]* .*|[a-zA-Z_:][a-zA-Z0-9_:]*(\{[a-zA-Z_][a-zA-Z0-9_]*="([^"\\\n]|\\\\|\\"|\\n)*"(,[a-zA-Z_][a-zA-Z0-9_]*="([^"\\\n]|\\\\|\\"|\\n)*")*\})? (-?[0-9.eE+-]+|[+-]Inf|NaN))$""")]
    private static partial Regex LineGrammar();
}
