namespace Kcm.Core.Distillation;

/// <summary>
/// Loss weights and schedule of one distillation round:
/// L = a * T² KL(teacher_T || student_T) over records with large-model confidence C_l &gt; epsilon
///   + b * T² KL(judge_T || student_T) over records with judge confidence C_x &gt; epsilon
///   + c * CE(label) over records with a label,
/// averaged over the records that carry at least one of the three signals.
/// </summary>
public sealed record DistillationOptions
{
    /// <value>a, weight of the large-model (teacher) KL term. Default 1.0.</value>
    public float TeacherWeight { get; init; } = 1.0f;

    /// <value>b, weight of the judge KL term. Default 0.5.</value>
    public float JudgeWeight { get; init; } = 0.5f;

    /// <value>c, weight of the label cross-entropy term. Default 1.0.</value>
    public float LabelWeight { get; init; } = 1.0f;

    /// <value>T, softmax temperature of both KL terms (scaled by T² so gradients keep their size). Default 2.</value>
    public float Temperature { get; init; } = 2f;

    /// <value>epsilon: a KL term counts only when that model's confidence (max probability) exceeds it. Default 0.98.</value>
    public float ConfidenceThreshold { get; init; } = 0.98f;

    /// <value>Passes over the usable records. Default 3.</value>
    public int Epochs { get; init; } = 3;

    /// <value>Adam step size; small, since training starts from the serving weights. Default 0.0005.</value>
    public float LearningRate { get; init; } = 0.0005f;

    /// <value>Records per Adam step. Default 64.</value>
    public int BatchSize { get; init; } = 64;

    /// <value>Accuracy the candidate may lose on the check set and still be accepted (0 = must not lose any). Default 0.</value>
    public double Tolerance { get; init; }

    /// <value>Seeds the record shuffles. Default 0.</value>
    public int Seed { get; init; }

    /// <value>Threads for gradients and check-set evaluation. Default min(4, cores).</value>
    public int Threads { get; init; } = Math.Min(4, Environment.ProcessorCount);

    /// <summary>Throws one <see cref="ArgumentException"/> naming every invalid field.</summary>
    public void Validate()
    {
        var errors = new List<string>();
        CheckWeight(errors, nameof(TeacherWeight), TeacherWeight);
        CheckWeight(errors, nameof(JudgeWeight), JudgeWeight);
        CheckWeight(errors, nameof(LabelWeight), LabelWeight);
        if (TeacherWeight + JudgeWeight + LabelWeight <= 0f)
        {
            errors.Add("At least one of TeacherWeight, JudgeWeight, LabelWeight must be positive.");
        }

        if (!(Temperature > 0f) || !float.IsFinite(Temperature))
        {
            errors.Add($"{nameof(Temperature)} must be a positive finite number (was {Temperature}).");
        }

        if (!(ConfidenceThreshold >= 0f && ConfidenceThreshold < 1f))
        {
            errors.Add($"{nameof(ConfidenceThreshold)} must be in [0, 1) (was {ConfidenceThreshold}).");
        }

        if (Epochs < 1)
        {
            errors.Add($"{nameof(Epochs)} must be at least 1 (was {Epochs}).");
        }

        if (!(LearningRate > 0f) || !float.IsFinite(LearningRate))
        {
            errors.Add($"{nameof(LearningRate)} must be a positive finite number (was {LearningRate}).");
        }

        if (BatchSize < 1)
        {
            errors.Add($"{nameof(BatchSize)} must be at least 1 (was {BatchSize}).");
        }

        if (!(Tolerance >= 0.0 && Tolerance <= 1.0))
        {
            errors.Add($"{nameof(Tolerance)} must be in [0, 1] (was {Tolerance}).");
        }

        if (Threads < 1)
        {
            errors.Add($"{nameof(Threads)} must be at least 1 (was {Threads}).");
        }

        if (errors.Count > 0)
        {
            throw new ArgumentException("Invalid distillation options: " + string.Join(" ", errors));
        }
    }

    private static void CheckWeight(List<string> errors, string name, float value)
    {
        if (!(value >= 0f) || !float.IsFinite(value))
        {
            errors.Add($"{name} must be a non-negative finite number (was {value}).");
        }
    }
}
