using Kcm.Cli.Commands;
using Kcm.Evaluation;

namespace Kcm.Cli.Tests;

/// <summary>`kcm eval`'s tables written as they go to a redirected standard output (a file, a pipe, a CI log).</summary>
public sealed class EvalReportTablesTests
{
    private static readonly string[] Headers =
    [
        "configuration", "accuracy", "large share", "router", "APGR", "CPT(50%)", "CPT(80%)", "CPT(95%)", "validation APGR",
        "round", "traffic", "teacher records", "accepted", "small acc.", "small-softmax share", "KCM acc.", "router APGR",
    ];

    [Fact]
    public void Write_RedirectedOutput_HasNoEscapeCodesAndEveryHeaderWhole()
    {
        var output = new StringWriter();

        EvalReportTables.Write(ReportConsole.Create(output, terminal: false), Report());

        var text = output.ToString();
        Assert.DoesNotContain('\u001b', text);
        Assert.All(Headers, header => Assert.Contains(header, text, StringComparison.Ordinal));
        Assert.DoesNotContain('…', text);
        Assert.Contains("Replayed distillation (router kan_judge, epsilon 0.98, every 4000 teacher records)", text, StringComparison.Ordinal);
        Assert.Contains("best judge on the validation split: kan_judge", text, StringComparison.Ordinal);
        Assert.Contains("promised acc.", text, StringComparison.Ordinal);
        Assert.Contains("delivered acc.", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Write_ConsoleNarrowerThanATable_StillWritesEveryHeaderWholeOnOneLine()
    {
        var output = new StringWriter();
        var console = ReportConsole.Create(output, terminal: false);
        console.Profile.Width = 40;

        EvalReportTables.Write(console, Report());

        var lines = output.ToString().Split('\n');
        var header = Assert.Single(lines, l => l.Contains("│ round", StringComparison.Ordinal));
        Assert.All(Headers[9..], h => Assert.Contains(h, header, StringComparison.Ordinal));
        Assert.Equal(40, console.Profile.Width);
    }

    private static EvaluationReport Report()
    {
        var curve = Enumerable.Range(0, 21).Select(i => new CurvePoint(i / 20.0, 0.8 + (i * 0.0065))).ToList();
        var routers = new SortedDictionary<string, RouterMetrics>(StringComparer.Ordinal)
        {
            ["kan_judge"] = new(0.793, 0.18, 0.33, 0.52, curve),
            ["small_softmax"] = new(0.807, 0.16, 0.32, 0.50, curve),
        };
        var rounds = new List<DistillationRoundReport>
        {
            new(0, 0, 0, true, 0.826, 0.677, 0.696, 0.932, 0.677, null, 0.827, 0.793),
            new(1, 5_942, 4_000, false, 0.826, 0.608, 0.504, 0.931, 0.677, true, 0.835, 0.810),
        };
        return new EvaluationReport(
            new DatasetSummary("train", "test", null, "large.onnx", 784, 10, 8_000, 2_000, 50_000, 3_000, 7_000, "identity", 0),
            new ModelSizes("mlp", 1, new Dictionary<string, RouterModelSize> { ["kan_judge"] = new("kan", 1) }, 20, 128, 2),
            new AccuracyFigure(0.826),
            new AccuracyFigure(0.9324),
            new AccuracyFigure(0.827),
            new Dictionary<string, CalibratedPoint>
            {
                ["fixed_epsilon"] = new("fixed_epsilon", 0.98, "kan_judge", 0.98f, 0.67, 0.932, 0.933, 0.6766, 0.9317),
                ["large_budget"] = new("large_budget", 0.3, "kan_judge", 0.7633f, 0.30, 0.9240, 0.933, 0.3031, 0.9241),
            },
            null,
            routers,
            new Dictionary<string, double?> { ["kan_judge"] = 0.793, ["small_softmax"] = 0.786 },
            "kan_judge",
            "kan_judge",
            new DistillationReport("kan_judge", 0.98f, 4_000, rounds),
            16);
    }
}
