namespace Kcm.Core.Training;

/// <summary>Mini-batch Adam training with early stopping. Call <see cref="Validate"/> (the trainer does) before use.</summary>
public sealed record TrainingOptions
{
    /// <value>Most passes over the training rows. Default 10.</value>
    public int Epochs { get; init; } = 10;

    /// <value>Samples per Adam step. Default 128.</value>
    public int BatchSize { get; init; } = 128;

    /// <value>Adam step size. Default 0.002.</value>
    public float LearningRate { get; init; } = 0.002f;

    /// <value>Seeds initial shuffles and the validation split. Default 0.</value>
    public int Seed { get; init; }

    /// <value>Threads for gradients and evaluation; results are deterministic for a given seed AND thread count. Default min(4, cores).</value>
    public int Threads { get; init; } = Math.Min(4, Environment.ProcessorCount);

    /// <value>Epochs without a better validation accuracy before stopping. Default 2.</value>
    public int Patience { get; init; } = 2;

    /// <value>Fraction of the training rows held out for early stopping when no validation set is given; 0 = none (no early stopping). Default 0.1.</value>
    public double ValidationFraction { get; init; } = 0.1;

    /// <summary>Throws one <see cref="ArgumentException"/> naming every invalid field.</summary>
    public void Validate()
    {
        var errors = new List<string>();
        if (Epochs < 1)
        {
            errors.Add($"{nameof(Epochs)} must be at least 1 (was {Epochs}).");
        }

        if (BatchSize < 1)
        {
            errors.Add($"{nameof(BatchSize)} must be at least 1 (was {BatchSize}).");
        }

        if (!(LearningRate > 0f) || !float.IsFinite(LearningRate))
        {
            errors.Add($"{nameof(LearningRate)} must be a positive finite number (was {LearningRate}).");
        }

        if (Threads < 1)
        {
            errors.Add($"{nameof(Threads)} must be at least 1 (was {Threads}).");
        }

        if (Patience < 1)
        {
            errors.Add($"{nameof(Patience)} must be at least 1 (was {Patience}).");
        }

        if (!(ValidationFraction >= 0.0 && ValidationFraction < 1.0))
        {
            errors.Add($"{nameof(ValidationFraction)} must be in [0, 1) (was {ValidationFraction}).");
        }

        if (errors.Count > 0)
        {
            throw new ArgumentException("Invalid training options: " + string.Join(" ", errors));
        }
    }
}
