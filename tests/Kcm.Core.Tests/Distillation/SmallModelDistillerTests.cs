using Kcm.Core.Data;
using Kcm.Core.Distillation;
using Kcm.Core.Mlp;
using Kcm.Core.Models;
using Kcm.Core.Tests.Training;
using Kcm.Core.Training;

namespace Kcm.Core.Tests.Distillation;

public class SmallModelDistillerTests
{
    private static readonly Lazy<MlpClassifier> Incumbent = new(() =>
    {
        var options = new TrainingOptions { Epochs = 1, BatchSize = 64, Seed = 4, Threads = 2, ValidationFraction = 0 };
        var start = MlpClassifier.CreateRandom(new MlpNetwork(784, 32, 10), seed: 4);
        return new ClassifierTrainer(options).Train(start, FashionMnistSubsets.Train.Slice(0, 3_000)).Classifier;
    });

    private static Dataset CheckSet => FashionMnistSubsets.Test.Slice(0, 1_000);

    [Fact]
    public void Distill_ConfidentCorrectTeacher_AcceptsCandidateThatDoesNotLoseAccuracy()
    {
        // The teacher is the truth, confidently: one-hot-like probabilities of the real labels.
        var records = Records(FashionMnistSubsets.Train.Slice(10_000, 3_000), label => label, withLabels: false);

        var result = new SmallModelDistiller(new DistillationOptions { Threads = 2 }).Distill(Incumbent.Value, records, CheckSet);

        Assert.True(result.Accepted, result.Reason);
        Assert.NotNull(result.Candidate);
        Assert.True(result.CheckAccuracyAfter >= result.CheckAccuracyBefore);
        Assert.Equal(3_000, result.RecordsUsedTeacher);
        Assert.Equal(0, result.RecordsUsedJudge);
    }

    [Fact]
    public void Distill_DeliberatelyWrongTeacher_RejectsDamagedCandidateWithReason()
    {
        // A damaged teacher: confident but always names the next class, so the candidate unlearns the task.
        var records = Records(FashionMnistSubsets.Train.Slice(10_000, 3_000), label => (label + 1) % 10, withLabels: false);

        var result = new SmallModelDistiller(new DistillationOptions { Threads = 2, LearningRate = 0.002f }).Distill(Incumbent.Value, records, CheckSet);

        Assert.False(result.Accepted);
        Assert.NotNull(result.Candidate);
        Assert.True(result.CheckAccuracyAfter < result.CheckAccuracyBefore);
        Assert.StartsWith("Rejected", result.Reason);
    }

    [Fact]
    public void Distill_NoRecordAboveThresholdAndNoLabels_TrainsNothing()
    {
        var data = FashionMnistSubsets.Train.Slice(0, 50);
        var uniform = Enumerable.Repeat(0.1f, 10).ToArray();
        var records = Enumerable.Range(0, data.Count)
            .Select(i => new TeacherRecord(data.Row(i).ToArray(), uniform, uniform, null))
            .ToList();

        var result = new SmallModelDistiller(new DistillationOptions()).Distill(Incumbent.Value, records, CheckSet);

        Assert.False(result.Accepted);
        Assert.Null(result.Candidate);
        Assert.Equal(0, result.RecordsUsed);
    }

    [Fact]
    public void DistillationObjective_MixedRecords_CountsEachSignalSeparately()
    {
        var features = new float[784];
        float[] confident = [0.99f, 0.01f, 0, 0, 0, 0, 0, 0, 0, 0];
        float[] unsure = [0.5f, 0.5f, 0, 0, 0, 0, 0, 0, 0, 0];
        TeacherRecord[] records =
        [
            new(features, confident, confident, null),
            new(features, unsure, confident, 3),
            new(features, unsure, unsure, null),
            new(features, unsure, null, 2),
        ];

        var objective = new DistillationObjective(records, 784, 10, new DistillationOptions());

        Assert.Equal(3, objective.SampleCount);
        Assert.Equal(1, objective.TeacherCount);
        Assert.Equal(2, objective.JudgeCount);
        Assert.Equal(2, objective.LabelCount);
    }

    [Fact]
    public void Validate_SeveralBadFields_NamesEachOfThem()
    {
        var options = new DistillationOptions { Temperature = 0f, ConfidenceThreshold = 1.5f, Tolerance = -0.1, JudgeWeight = -1f };

        var error = Assert.Throws<ArgumentException>(() => new SmallModelDistiller(options));

        Assert.Contains(nameof(DistillationOptions.Temperature), error.Message);
        Assert.Contains(nameof(DistillationOptions.ConfidenceThreshold), error.Message);
        Assert.Contains(nameof(DistillationOptions.Tolerance), error.Message);
        Assert.Contains(nameof(DistillationOptions.JudgeWeight), error.Message);
    }

    private static List<TeacherRecord> Records(Dataset data, Func<int, int> teacherClass, bool withLabels)
    {
        var records = new List<TeacherRecord>(data.Count);
        for (var i = 0; i < data.Count; i++)
        {
            var probabilities = Enumerable.Repeat(0.001f, 10).ToArray();
            probabilities[teacherClass(data.Labels[i])] = 0.991f;
            records.Add(new TeacherRecord(data.Row(i).ToArray(), probabilities, null, withLabels ? data.Labels[i] : null));
        }

        return records;
    }
}
