using Kcm.Core.Data;
using Kcm.Core.Distillation;
using Kcm.Core.Kan;
using Kcm.Core.Routing;
using Kcm.Core.Tests.Training;
using Kcm.Core.Training;

namespace Kcm.Core.Tests.Distillation;

public class JudgeDistillerTests
{
    private static readonly Lazy<KanClassifier> SeedJudge = new(() =>
    {
        var options = new TrainingOptions { Epochs = 1, BatchSize = 64, Seed = 5, Threads = 2, ValidationFraction = 0 };
        var start = KanClassifier.CreateRandom(new KanNetwork(new KanArchitecture { HiddenSize = 8 }), seed: 5);
        return new ClassifierTrainer(options).Train(start, FashionMnistSubsets.Train.Slice(0, 2_000)).Classifier;
    });

    [Fact]
    public void Distill_ConfidentCorrectTeacher_RaisesJudgeConfidenceOnTheTeacherRows()
    {
        var traffic = FashionMnistSubsets.Train.Slice(10_000, 2_000);
        var records = Records(traffic);

        var result = new JudgeDistiller(new DistillationOptions { Threads = 2, Temperature = 1f })
            .Distill(SeedJudge.Value, records, FashionMnistSubsets.Test.Slice(0, 1_000));

        Assert.True(result.Accepted, result.Reason);
        var candidate = Assert.IsType<KanClassifier>(result.Candidate);
        Assert.True(
            MeanConfidence(candidate, traffic) > MeanConfidence(SeedJudge.Value, traffic) + 0.02,
            $"confidence {MeanConfidence(SeedJudge.Value, traffic):F3} -> {MeanConfidence(candidate, traffic):F3}");
    }

    [Fact]
    public void Distill_RecordsWithConfidentJudgeProbabilities_NeverUsesTheJudgeTerm()
    {
        var records = Records(FashionMnistSubsets.Train.Slice(10_000, 300));

        var result = new JudgeDistiller(new DistillationOptions { Threads = 2, Epochs = 1 })
            .Distill(SeedJudge.Value, records, FashionMnistSubsets.Test.Slice(0, 200));

        Assert.Equal(300, result.RecordsUsedTeacher);
        Assert.Equal(0, result.RecordsUsedJudge);
        Assert.Equal(0f, new JudgeDistiller(new DistillationOptions { JudgeWeight = 0.5f }).Options.JudgeWeight);
    }

    [Fact]
    public void Constructor_OnlyTheJudgeTermWeighted_ThrowsBecauseNoSignalIsLeft()
    {
        var options = new DistillationOptions { TeacherWeight = 0f, LabelWeight = 0f, JudgeWeight = 1f };

        var error = Assert.Throws<ArgumentException>(() => new JudgeDistiller(options));

        Assert.Contains("At least one of", error.Message);
    }

    private static double MeanConfidence(KanClassifier judge, Dataset data)
    {
        var scores = new float[data.Count];
        new MaxSoftmaxScorer(judge).Score(data.Features, data.Count, scores);
        return scores.Average();
    }

    // The teacher names the true class at 0.991; the records also carry a confident judge row that must be ignored.
    private static List<TeacherRecord> Records(Dataset data)
    {
        var records = new List<TeacherRecord>(data.Count);
        for (var i = 0; i < data.Count; i++)
        {
            var probabilities = Enumerable.Repeat(0.001f, 10).ToArray();
            probabilities[data.Labels[i]] = 0.991f;
            records.Add(new TeacherRecord(data.Row(i).ToArray(), probabilities, probabilities, null));
        }

        return records;
    }
}
