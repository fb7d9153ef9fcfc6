using Kcm.Core.Numerics;
using Kcm.Core.Training;

namespace Kcm.Core.Distillation;

/// <summary>
/// The distillation loss over records that carry at least one signal; targets are softened to the temperature once,
/// here, so a step only runs softmaxes on the student's logits.
/// </summary>
[System.Runtime.CompilerServices.SkipLocalsInit]
public sealed class DistillationObjective : ITrainingObjective
{
    private readonly float[][] _features;
    private readonly float[]?[] _teacherTargets;
    private readonly float[]?[] _judgeTargets;
    private readonly int[] _labels;
    private readonly DistillationOptions _options;

    /// <summary>Selects the records with a signal and prepares their targets; <paramref name="classCount"/> and <paramref name="inputSize"/> are checked on every record.</summary>
    public DistillationObjective(IReadOnlyList<TeacherRecord> records, int inputSize, int classCount, DistillationOptions options)
    {
        ArgumentNullException.ThrowIfNull(records);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        var features = new List<float[]>();
        var teacher = new List<float[]?>();
        var judge = new List<float[]?>();
        var labels = new List<int>();
        for (var i = 0; i < records.Count; i++)
        {
            var record = records[i] ?? throw new ArgumentException($"Record {i} is null.", nameof(records));
            Check(record, i, inputSize, classCount);
            var teacherTarget = options.TeacherWeight > 0f ? Soften(record.TeacherProbabilities, options) : null;
            var judgeTarget = options.JudgeWeight > 0f && record.JudgeProbabilities is { } judgeProbabilities ? Soften(judgeProbabilities, options) : null;
            var label = options.LabelWeight > 0f && record.Label is { } known ? known : -1;
            if (teacherTarget is null && judgeTarget is null && label < 0)
            {
                continue;
            }

            features.Add(record.Features);
            teacher.Add(teacherTarget);
            judge.Add(judgeTarget);
            labels.Add(label);
            TeacherCount += teacherTarget is null ? 0 : 1;
            JudgeCount += judgeTarget is null ? 0 : 1;
            LabelCount += label < 0 ? 0 : 1;
        }

        _features = [.. features];
        _teacherTargets = [.. teacher];
        _judgeTargets = [.. judge];
        _labels = [.. labels];
    }

    public int SampleCount => _features.Length;

    /// <summary>Records whose teacher KL term is on.</summary>
    public int TeacherCount { get; }

    /// <summary>Records whose judge KL term is on.</summary>
    public int JudgeCount { get; }

    /// <summary>Records whose label term is on.</summary>
    public int LabelCount { get; }

    public ReadOnlySpan<float> Features(int sample) => _features[sample];

    public float Loss(int sample, ReadOnlySpan<float> logits, Span<float> logitGradient)
    {
        Span<float> term = logits.Length <= 256 ? stackalloc float[logits.Length] : new float[logits.Length];
        logitGradient.Clear();
        var loss = 0f;
        if (_teacherTargets[sample] is { } teacher)
        {
            loss += Add(_options.TeacherWeight, LossFunctions.KlDivergence(teacher, logits, _options.Temperature, term), term, logitGradient);
        }

        if (_judgeTargets[sample] is { } judge)
        {
            loss += Add(_options.JudgeWeight, LossFunctions.KlDivergence(judge, logits, _options.Temperature, term), term, logitGradient);
        }

        if (_labels[sample] >= 0)
        {
            loss += Add(_options.LabelWeight, LossFunctions.CrossEntropy(logits, _labels[sample], term), term, logitGradient);
        }

        return loss;
    }

    private static float Add(float weight, float loss, ReadOnlySpan<float> term, Span<float> total)
    {
        System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(term, weight, total, total);
        return weight * loss;
    }

    // A target only when its source was confident: C = max probability > epsilon.
    private static float[]? Soften(float[] probabilities, DistillationOptions options)
    {
        if (!(System.Numerics.Tensors.TensorPrimitives.Max(probabilities) > options.ConfidenceThreshold))
        {
            return null;
        }

        var target = new float[probabilities.Length];
        LossFunctions.ApplyTemperature(probabilities, options.Temperature, target);
        return target;
    }

    private static void Check(TeacherRecord record, int index, int inputSize, int classCount)
    {
        if (record.Features is null || record.Features.Length != inputSize)
        {
            throw new ArgumentException($"Record {index} has {record.Features?.Length ?? 0} features, expected {inputSize}.", "records");
        }

        if (record.TeacherProbabilities is null || record.TeacherProbabilities.Length != classCount)
        {
            throw new ArgumentException($"Record {index} has {record.TeacherProbabilities?.Length ?? 0} teacher probabilities, expected {classCount}.", "records");
        }

        if (record.JudgeProbabilities is { } judge && judge.Length != classCount)
        {
            throw new ArgumentException($"Record {index} has {judge.Length} judge probabilities, expected {classCount}.", "records");
        }

        if (record.Label is { } label && (label < 0 || label >= classCount))
        {
            throw new ArgumentException($"Record {index} has label {label}, outside [0, {classCount}).", "records");
        }
    }
}
