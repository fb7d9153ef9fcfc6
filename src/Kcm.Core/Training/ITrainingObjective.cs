namespace Kcm.Core.Training;

/// <summary>
/// What a mini-batch step minimises: a set of samples, each with its features and a per-sample loss on the logits.
/// Implementations are read-only and thread-safe (called from several chunks at once).
/// </summary>
public interface ITrainingObjective
{
    /// <summary>Samples available, indexed 0..SampleCount-1.</summary>
    int SampleCount { get; }

    /// <summary>The features of one sample.</summary>
    ReadOnlySpan<float> Features(int sample);

    /// <summary>The sample's loss for <paramref name="logits"/>; writes dLoss/dLogits into <paramref name="logitGradient"/>.</summary>
    float Loss(int sample, ReadOnlySpan<float> logits, Span<float> logitGradient);
}
