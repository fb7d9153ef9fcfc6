namespace Kcm.Core.Models;

/// <summary>
/// A batched classifier over float32 feature rows. Implementations hold immutable weights and are safe to call
/// from many threads at once; scratch memory comes from pools, so a call allocates nothing per sample.
/// </summary>
public interface IClassifier
{
    /// <summary>Features per sample.</summary>
    int InputSize { get; }

    /// <summary>Number of classes (length of each logit row).</summary>
    int ClassCount { get; }

    /// <summary>Writes <paramref name="batchSize"/> rows of logits (batch x ClassCount) for row-major inputs (batch x InputSize).</summary>
    void Logits(ReadOnlySpan<float> inputs, int batchSize, Span<float> logits);
}
