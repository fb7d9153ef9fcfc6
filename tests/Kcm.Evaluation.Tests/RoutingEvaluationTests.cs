using System.Diagnostics;
using System.Text.Json;
using Kcm.Core.Data;
using Kcm.Core.Mlp;
using Kcm.Core.Training;
using Xunit.Abstractions;

namespace Kcm.Evaluation.Tests;

public sealed class RoutingEvaluationTests(ITestOutputHelper output)
{
    private static readonly string[] RouterNames =
    [
        "kan_agreement", "kan_ensemble", "kan_gain_judge", "kan_judge", "kan_judge_t", "kan_large_agreement", "kan_large_ensemble", "kan_large_judge",
        "kan_logit_judge", "mlp_ensemble", "mlp_judge", "mlp_large_agreement", "mlp_logit_judge", "random", "small_correctness", "small_softmax", "small_softmax_t",
    ];

    [Fact]
    public void Run_FullFashionMnist_DefaultSplits_ProducesEveryFigureInRange()
    {
        // 60,000 training rows with the default fractions; 2 epochs and an MLP standing in for the large ONNX model keep it fast.
        var train = FashionMnist.LoadTrain();
        var test = FashionMnist.LoadTest();
        var large = new ClassifierTrainer(new TrainingOptions { Epochs = 2, ValidationFraction = 0, Threads = 2 })
            .Train(MlpClassifier.CreateRandom(new MlpNetwork(784, 128, 10), 1), train.Slice(0, 20_000)).Classifier;
        var options = new EvaluationOptions { Epochs = 2, Threads = 2 };
        var messages = new List<string>();
        var stopwatch = Stopwatch.StartNew();

        var report = new RoutingEvaluation(options, new Collector(messages)).Run(train, test, large, new DatasetSummary("train", "test", null, "mlp"));

        output.WriteLine($"60,000-row evaluation: {stopwatch.Elapsed.TotalSeconds:F0} s");
        Assert.Equal(12_000, report.Data.SeedTrain + report.Data.Validation);
        Assert.Equal(2_400, report.Data.Validation);
        Assert.Equal(48_000, report.Data.Traffic);
        Assert.Equal(3_000, report.Data.Calibration);
        Assert.Equal(7_000, report.Data.TestCount);
        Assert.Equal("identity", report.Data.Scaling);
        Assert.Equal(RouterNames, report.Routers.Keys.Order());
        Assert.Equal(["accuracy_tolerance", "fixed_epsilon", "large_budget"], report.Calibrated.Keys.Order());
        Assert.Contains(report.BestRouter, report.Routers.Keys);
        Assert.DoesNotContain(report.BestRouter, new[] { "small_softmax", "small_softmax_t", "random" });
        Assert.Equal(report.BestRouter, report.ServingRouter);
        Assert.InRange(report.SmallOnly.Accuracy, 0.7, 1);
        Assert.Null(report.Hints);
        foreach (var point in report.Calibrated.Values)
        {
            Assert.InRange(point.PromisedLargeShare, 0, 1);
            Assert.InRange(point.LargeShare, 0, 1);
            Assert.InRange(point.Accuracy, report.SmallOnly.Accuracy - 0.05, 1);
        }

        Assert.InRange(report.Calibrated["large_budget"].PromisedLargeShare, 0, 0.3);
        Assert.All(report.Routers.Values, r => Assert.Equal(21, r.Curve.Count));
        Assert.Equal(report.SmallOnly.Accuracy, report.Routers["kan_judge"].Curve[0].Accuracy, 10);
        Assert.Equal(report.LargeOnly.Accuracy, report.Routers["kan_judge"].Curve[^1].Accuracy, 10);
        Assert.True(report.Distillation.Rounds.Count >= 2, $"{report.Distillation.Rounds.Count} rounds");
        Assert.Equal(report.SmallOnly.Accuracy, report.Distillation.Rounds[0].SmallAccuracy, 10);
        Assert.Contains(messages, m => m.Contains("distillation round 1", StringComparison.Ordinal));

        using var json = JsonDocument.Parse(EvaluationJson.Serialize(report));
        var root = json.RootElement;
        foreach (var path in new[]
        {
            "small_only.accuracy", "large_only.accuracy", "judge_only.accuracy", "calibrated.fixed_epsilon.epsilon", "calibrated.accuracy_tolerance.promised_accuracy",
            "calibrated.accuracy_tolerance.accuracy", "calibrated.large_budget.promised_large_share", "calibrated.large_budget.large_share",
            "routers.kan_judge.apgr", "routers.kan_logit_judge.cpt50", "routers.mlp_judge.cpt80", "routers.random.cpt95", "models.routers.kan_judge.parameters",
        })
        {
            var element = path.Split('.').Aggregate(root, (e, name) => e.GetProperty(name));
            Assert.Equal(JsonValueKind.Number, element.ValueKind);
        }
    }

    [Fact]
    public void Run_TabularRowsWithAConstantColumn_ScalesAndRunsWithDefaultOptions()
    {
        var data = Tabular(600, seed: 3);
        var (train, test) = DatasetSplit.HoldOut(data, 0.2);
        var large = new ClassifierTrainer(new TrainingOptions { Epochs = 30, ValidationFraction = 0, Threads = 2, BatchSize = 32 })
            .Train(MlpClassifier.CreateRandom(new MlpNetwork(6, 64, 3), 1), train).Classifier;

        var report = new RoutingEvaluation(new EvaluationOptions { Threads = 2 }).Run(train, test, large, new DatasetSummary("train", "test", null, "mlp"));

        Assert.Equal("min-max", report.Data.Scaling);
        Assert.Equal(1, report.Data.ConstantFeatures);
        Assert.Equal(480, report.Data.SeedTrain + report.Data.Validation + report.Data.Traffic);
        Assert.Equal(120, report.Data.Calibration + report.Data.TestCount);
        Assert.Equal(EvaluationSplits.MinCalibrationRows, report.Data.Calibration);
        Assert.InRange(report.SmallOnly.Accuracy, 0.5, 1);
        Assert.All(report.Calibrated.Values, p => Assert.InRange(p.Accuracy, 0, 1));
    }

    [Fact]
    public void Run_NonFiniteFeature_FailsWithTheRowAndColumn()
    {
        var data = Tabular(600, seed: 4);
        data.Features[(7 * data.FeatureCount) + 2] = float.NaN;
        var (train, test) = DatasetSplit.HoldOut(data, 0.2);
        var large = MlpClassifier.CreateRandom(new MlpNetwork(6, 8, 3), 1);

        var error = Assert.Throws<ArgumentException>(() => new RoutingEvaluation(new EvaluationOptions { Threads = 1 }).Run(train, test, large, new DatasetSummary("t", "t", null, "m")));

        Assert.Contains("row 8, feature column 3", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_TooFewRows_FailsWithTheMinimums()
    {
        var (train, test) = DatasetSplit.HoldOut(Tabular(150, seed: 5), 0.2);
        var large = MlpClassifier.CreateRandom(new MlpNetwork(6, 8, 3), 1);

        var error = Assert.Throws<ArgumentException>(() => new RoutingEvaluation(new EvaluationOptions { Threads = 1 }).Run(train, test, large, new DatasetSummary("t", "t", null, "m")));

        Assert.Contains("Cannot split the data", error.Message, StringComparison.Ordinal);
        Assert.Contains("at least 100 training and 50 validation rows", error.Message, StringComparison.Ordinal);
    }

    /// <summary>Three Gaussian classes in 5 features of very different scales, plus a constant sixth feature.</summary>
    internal static Dataset Tabular(int rows, int seed)
    {
        var random = new Random(seed);
        var features = new float[rows * 6];
        var labels = new int[rows];
        float[] scales = [1f, 10f, 100f, 0.01f, 5f];
        for (var r = 0; r < rows; r++)
        {
            var label = r % 3;
            labels[r] = label;
            for (var f = 0; f < 5; f++)
            {
                var center = (label == f % 3 ? 1.5f : 0f) + (f * 0.3f);
                var gaussian = MathF.Sqrt(-2f * MathF.Log(1f - random.NextSingle())) * MathF.Cos(2f * MathF.PI * random.NextSingle());
                features[(r * 6) + f] = (center + gaussian) * scales[f];
            }

            features[(r * 6) + 5] = 42f;
        }

        return new Dataset(features, labels, 6, 3);
    }

    private sealed class Collector(List<string> messages) : IProgress<string>
    {
        public void Report(string value) => messages.Add(value);
    }
}
