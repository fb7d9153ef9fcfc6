using Kcm.Core.Data;
using Kcm.Core.Mlp;
using Kcm.Core.Models;
using Kcm.Core.Training;

namespace Kcm.Evaluation.Tests;

public sealed class HintReportTests
{
    [Fact]
    public void Run_LargeModelThatCopiesTheHint_EchoesEveryWrongHint()
    {
        var (train, test) = DatasetSplit.HoldOut(RoutingEvaluationTests.Tabular(900, seed: 6), 0.2);
        var reader = new ClassifierTrainer(new TrainingOptions { Epochs = 30, ValidationFraction = 0, Threads = 2, BatchSize = 32 })
            .Train(MlpClassifier.CreateRandom(new MlpNetwork(6, 64, 3), 1), train).Classifier;
        var large = new HintCopier(reader);

        var report = new RoutingEvaluation(new EvaluationOptions { Threads = 2, DistillJudge = false }).Run(train, test, large, new DatasetSummary("t", "t", null, "copier"));

        var hints = Assert.IsType<HintReport>(report.Hints);
        // With a hint the "large" model answers the small model's class: right exactly where the small model is right.
        Assert.Equal(report.SmallOnly.Accuracy, hints.LargeOnlyWithHint, 10);
        Assert.Equal(report.LargeOnly.Accuracy, hints.LargeOnlyWithHint, 10);
        Assert.True(hints.WrongHints > 0);
        Assert.Equal(1.0, hints.WrongHintEchoRate, 10);
        Assert.True(hints.LargeOnlyWithoutHint > hints.LargeOnlyWithHint, $"{hints.LargeOnlyWithoutHint} vs {hints.LargeOnlyWithHint}");
        Assert.Equal(["accuracy_tolerance", "fixed_epsilon", "large_budget"], hints.Calibrated.Keys.Order());
        Assert.All(hints.Calibrated.Values, p => Assert.Equal(p.RoutedWrongHints == 0 ? 0.0 : 1.0, p.RoutedWrongHintEchoRate, 10));
    }

    /// <summary>A "large model" that answers the hint's class when it has one and asks its own classifier otherwise.</summary>
    private sealed class HintCopier(IClassifier own) : IHintedClassifier
    {
        public int InputSize => own.InputSize;

        public int ClassCount => own.ClassCount;

        public void Logits(ReadOnlySpan<float> inputs, int batchSize, Span<float> logits) => own.Logits(inputs, batchSize, logits);

        public void Logits(ReadOnlySpan<float> inputs, ReadOnlySpan<float> hints, int batchSize, Span<float> logits) =>
            hints[..(batchSize * ClassCount)].CopyTo(logits);
    }
}
