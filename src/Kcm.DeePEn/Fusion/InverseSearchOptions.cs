namespace Kcm.DeePEn.Fusion;

/// <summary>The inverse search's optimiser: AdamW on the main model's logits (PyTorch's AdamW semantics).</summary>
public sealed record InverseSearchOptions
{
    /// <value>Optimiser steps per decoded token; default 5 (the reference's).</value>
    public int Steps { get; init; } = 5;

    /// <value>Default 0.15 (the reference's).</value>
    public float LearningRate { get; init; } = 0.15f;

    /// <value>Default 0.9.</value>
    public float Beta1 { get; init; } = 0.9f;

    /// <value>Default 0.999.</value>
    public float Beta2 { get; init; } = 0.999f;

    /// <value>Default 1e-8.</value>
    public float Epsilon { get; init; } = 1e-8f;

    /// <value>Decoupled weight decay; default 0.01 (PyTorch's AdamW default).</value>
    public float WeightDecay { get; init; } = 0.01f;

    /// <value>
    /// The search stops once KL(r || s) is below this; default 1e-6. Past that point the gradient is rounding noise,
    /// which Adam's per-coordinate normalisation would turn into full-size steps of the learning rate.
    /// </value>
    public float StopBelowLoss { get; init; } = 1e-6f;

    public static InverseSearchOptions Default { get; } = new();

    /// <summary>Throws one <see cref="ArgumentException"/> naming every field out of range.</summary>
    public void Validate()
    {
        var problems = new List<string>();
        if (Steps < 0)
        {
            problems.Add($"Steps must be >= 0 (got {Steps})");
        }

        if (!float.IsFinite(LearningRate) || LearningRate <= 0)
        {
            problems.Add($"LearningRate must be > 0 (got {LearningRate})");
        }

        if (!(Beta1 is >= 0 and < 1))
        {
            problems.Add($"Beta1 must be in [0, 1) (got {Beta1})");
        }

        if (!(Beta2 is >= 0 and < 1))
        {
            problems.Add($"Beta2 must be in [0, 1) (got {Beta2})");
        }

        if (!float.IsFinite(Epsilon) || Epsilon <= 0)
        {
            problems.Add($"Epsilon must be > 0 (got {Epsilon})");
        }

        if (!float.IsFinite(WeightDecay) || WeightDecay < 0)
        {
            problems.Add($"WeightDecay must be >= 0 (got {WeightDecay})");
        }

        if (!float.IsFinite(StopBelowLoss) || StopBelowLoss < 0)
        {
            problems.Add($"StopBelowLoss must be >= 0 (got {StopBelowLoss})");
        }

        if (problems.Count > 0)
        {
            throw new ArgumentException("Invalid inverse search options: " + string.Join("; ", problems) + ".");
        }
    }
}
