using System.Text.Json;
using Kcm.Core.Data;
using Kcm.Core.Mlp;
using Kcm.Core.Training;

namespace Kcm.Evaluation.Tests;

public sealed class RoutingEvaluationTests
{
    [Fact]
    public void Run_SmallFashionMnistSubset_ProducesEveryFigureInRange()
    {
        var train = FashionMnist.LoadTrain().Slice(0, 4_000);
        var test = FashionMnist.LoadTest().Slice(0, 600);
        // A wider MLP trained on more rows stands in for the large ONNX model, so this test needs no model file.
        var large = new ClassifierTrainer(new TrainingOptions { Epochs = 3, ValidationFraction = 0 })
            .Train(MlpClassifier.CreateRandom(new MlpNetwork(784, 128, 10), 1), train).Classifier;
        var options = new EvaluationOptions
        {
            SeedCount = 1_500, ValidationCount = 300, TrafficCount = 2_500, TestCount = 600, DistillEvery = 300, Epochs = 2, Threads = 2,
        };
        var messages = new List<string>();

        var report = new RoutingEvaluation(options, new Collector(messages)).Run(
            train, test, large, new DatasetSummary("train", "test", "mlp", 0, 0, 0, 0, 0, 0));

        Assert.Equal(600, report.Data.TestCount);
        Assert.Equal(1_200, report.Data.SeedTrain);
        Assert.Equal(["kan_judge", "mlp_judge", "random", "small_correctness", "small_softmax"], report.Routers.Keys.Order());
        Assert.Contains(report.BestRouter, report.Routers.Keys);
        Assert.InRange(report.SmallOnly.Accuracy, 0.5, 1);
        Assert.True(report.LargeOnly.Accuracy > report.SmallOnly.Accuracy - 0.05);
        Assert.InRange(report.Kcm.LargeShare, 0, 1);
        Assert.InRange(report.Calibrated.ExpectedLargeShare, 0.29, 0.31);
        Assert.All(report.Routers.Values, r => Assert.Equal(21, r.Curve.Count));
        Assert.Equal(report.SmallOnly.Accuracy, report.Routers["kan_judge"].Curve[0].Accuracy, 10);
        Assert.Equal(report.LargeOnly.Accuracy, report.Routers["kan_judge"].Curve[^1].Accuracy, 10);
        Assert.True(report.Distillation.Rounds.Count >= 2, $"{report.Distillation.Rounds.Count} rounds");
        Assert.Equal(report.SmallOnly.Accuracy, report.Distillation.Rounds[0].SmallAccuracy, 10);
        Assert.Contains(messages, m => m.Contains("distillation round 1", StringComparison.Ordinal));
        Assert.All(report.Distillation.Rounds.Skip(1), r => Assert.NotNull(r.JudgeAccepted));
        Assert.All(report.Distillation.Rounds, r => Assert.Equal(report.Distillation.Rounds[0].LargeShare, r.SeedJudgeLargeShare, 10));

        using var json = JsonDocument.Parse(EvaluationJson.Serialize(report));
        var root = json.RootElement;
        foreach (var path in new[] { "small_only.accuracy", "large_only.accuracy", "judge_only.accuracy", "kcm.epsilon", "kcm.accuracy", "kcm.large_share", "calibrated.epsilon", "calibrated.accuracy", "calibrated.large_share", "routers.kan_judge.apgr", "routers.random.cpt95" })
        {
            var element = path.Split('.').Aggregate(root, (e, name) => e.GetProperty(name));
            Assert.Equal(JsonValueKind.Number, element.ValueKind);
        }

        var round = root.GetProperty("distillation").GetProperty("rounds")[1];
        Assert.True(round.TryGetProperty("small_accuracy", out _) && round.TryGetProperty("large_share", out _) && round.TryGetProperty("kcm_accuracy", out _));
        Assert.True(round.TryGetProperty("seed_judge_large_share", out _) && round.TryGetProperty("judge_accepted", out _) && round.TryGetProperty("judge_apgr", out _));
        Assert.Equal(JsonValueKind.Number, root.GetProperty("routers").GetProperty("mlp_judge").GetProperty("curve")[20].GetProperty("share").ValueKind);
    }

    [Fact]
    public void Run_JudgeNotDistilled_KeepsTheKanJudgeLargeShareFixed()
    {
        var train = FashionMnist.LoadTrain().Slice(0, 3_000);
        var test = FashionMnist.LoadTest().Slice(0, 400);
        var large = new ClassifierTrainer(new TrainingOptions { Epochs = 2, ValidationFraction = 0 })
            .Train(MlpClassifier.CreateRandom(new MlpNetwork(784, 64, 10), 1), train).Classifier;
        var options = new EvaluationOptions
        {
            SeedCount = 1_000, ValidationCount = 200, TrafficCount = 2_000, TestCount = 400, DistillEvery = 300, Epochs = 1, Threads = 2, DistillJudge = false,
        };

        var report = new RoutingEvaluation(options).Run(train, test, large, new DatasetSummary("train", "test", "mlp", 0, 0, 0, 0, 0, 0));

        Assert.True(report.Distillation.Rounds.Count >= 2, $"{report.Distillation.Rounds.Count} rounds");
        Assert.All(report.Distillation.Rounds, r => Assert.Null(r.JudgeAccepted));
        Assert.All(report.Distillation.Rounds, r => Assert.Equal(report.Kcm.LargeShare, r.LargeShare, 10));
        Assert.All(report.Distillation.Rounds, r => Assert.Equal(report.JudgeOnly.Accuracy, r.JudgeAccuracy, 10));
    }

    private sealed class Collector(List<string> messages) : IProgress<string>
    {
        public void Report(string value) => messages.Add(value);
    }
}
