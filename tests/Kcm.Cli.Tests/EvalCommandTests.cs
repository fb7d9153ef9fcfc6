using System.Diagnostics;
using System.IO.Compression;
using System.Text.Json;
using Kcm.Cli.Commands;
using Kcm.Testing;
using Xunit.Abstractions;

namespace Kcm.Cli.Tests;

/// <summary>`kcm eval` end to end on 600 rows of a real data set (sklearn's digits, Debian's python3-sklearn) with the shipped digits MLP and real ONNX Runtime.</summary>
public sealed class EvalCommandTests : IDisposable
{
    private const string Digits = "/usr/lib/python3/dist-packages/sklearn/datasets/data/digits.csv.gz";
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "kcm-eval-test-" + Guid.NewGuid().ToString("N"));
    private readonly ITestOutputHelper _output;

    public EvalCommandTests(ITestOutputHelper output)
    {
        _output = output;
        Directory.CreateDirectory(_folder);
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable("KCM_HOME")))
        {
            Environment.SetEnvironmentVariable("KCM_HOME", RepositoryRoot.Path);
        }
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task SixHundredRows_DefaultOptions_ReportEveryRouterAndCalibratedPoint()
    {
        var csv = await FirstDigits(600);
        var json = Path.Combine(_folder, "report.json");
        var stopwatch = Stopwatch.StartNew();

        var exit = await EvalCommand.Create().Parse(
            ["--train", csv, "--label-column", "-1", "--large", RepositoryRoot.Combine("models", "digits-mlp.onnx"), "--json", json, "--charts", Path.Combine(_folder, "charts")]).InvokeAsync();

        _output.WriteLine($"600-row kcm eval: {stopwatch.Elapsed.TotalSeconds:F1} s");
        Assert.Equal(0, exit);
        using var report = JsonDocument.Parse(await File.ReadAllTextAsync(json));
        var root = report.RootElement;
        var data = root.GetProperty("data");
        Assert.Equal(64, data.GetProperty("features").GetInt32());
        Assert.Equal(10, data.GetProperty("classes").GetInt32());
        // 600 rows: 120 held out as test (every fifth of each class), of which 50 calibrate (the minimum over 30%).
        var trainRows = data.GetProperty("seed_train").GetInt32() + data.GetProperty("validation").GetInt32() + data.GetProperty("traffic").GetInt32();
        Assert.Equal(600, trainRows + data.GetProperty("calibration").GetInt32() + data.GetProperty("test_count").GetInt32());
        Assert.Equal(50, data.GetProperty("calibration").GetInt32());
        Assert.Equal("min-max", data.GetProperty("scaling").GetString());
        foreach (var router in root.GetProperty("routers").EnumerateObject())
        {
            foreach (var key in new[] { "apgr", "cpt50", "cpt80", "cpt95" })
            {
                Assert.True(router.Value.TryGetProperty(key, out _), $"{router.Name}.{key}");
            }
        }

        foreach (var rule in new[] { "fixed_epsilon", "accuracy_tolerance", "large_budget" })
        {
            var point = root.GetProperty("calibrated").GetProperty(rule);
            foreach (var key in new[] { "promised_accuracy", "promised_large_share", "accuracy", "large_share", "epsilon" })
            {
                Assert.InRange(point.GetProperty(key).GetDouble(), 0, 1);
            }
        }

        Assert.Equal(JsonValueKind.Null, root.GetProperty("hints").ValueKind);
    }

    [Fact]
    public async Task TooFewRowsToSplit_ExitsWithAnError()
    {
        // 100 rows: 84 training rows (16 held out) cannot hold the seed's 100 training and 50 validation rows.
        var csv = await FirstDigits(100);
        var onnx = RepositoryRoot.Combine("models", "digits-mlp.onnx");

        var exit = await EvalCommand.Create().Parse(["--train", csv, "--label-column", "-1", "--large", onnx, "--charts", Path.Combine(_folder, "charts")]).InvokeAsync();

        Assert.Equal(1, exit);
        Assert.False(Directory.Exists(Path.Combine(_folder, "charts")));
    }

    [Fact]
    public async Task NonFiniteCell_ExitsWithAnError()
    {
        var csv = await FirstDigits(600);
        var lines = await File.ReadAllLinesAsync(csv);
        lines[10] = "nan" + lines[10][lines[10].IndexOf(',', StringComparison.Ordinal)..];
        await File.WriteAllLinesAsync(csv, lines);

        var exit = await EvalCommand.Create().Parse(
            ["--train", csv, "--label-column", "-1", "--large", RepositoryRoot.Combine("models", "digits-mlp.onnx"), "--charts", Path.Combine(_folder, "charts")]).InvokeAsync();

        Assert.Equal(1, exit);
    }

    private async Task<string> FirstDigits(int rows)
    {
        var csv = Path.Combine(_folder, $"digits-{rows}.csv");
        using var reader = new StreamReader(new GZipStream(File.OpenRead(Digits), CompressionMode.Decompress));
        var lines = new List<string>();
        while (lines.Count < rows && await reader.ReadLineAsync() is { } line)
        {
            lines.Add(line);
        }

        await File.WriteAllLinesAsync(csv, lines);
        return csv;
    }
}
