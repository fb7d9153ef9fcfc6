namespace Kcm.Core.Models;

/// <summary>
/// A classifier (the large model) that can also read a hint: the small model's class probabilities for the same rows
/// (the seed's "prompt modification"). <see cref="IClassifier.Logits"/> runs it without a hint (a uniform one).
/// </summary>
public interface IHintedClassifier : IClassifier
{
    /// <summary>Logits for row-major <paramref name="inputs"/> given row-major <paramref name="hints"/> (batch x ClassCount probabilities).</summary>
    void Logits(ReadOnlySpan<float> inputs, ReadOnlySpan<float> hints, int batchSize, Span<float> logits);
}
