namespace Kcm.Core.Routing;

/// <summary>
/// A router's score C_x per sample in [0, 1]: how sure it is that the small model may answer. Higher means
/// "keep on the small model"; a <see cref="ThresholdPolicy"/> turns scores into routes. Thread-safe; no per-sample allocation.
/// </summary>
public interface IConfidenceScorer
{
    /// <summary>Features per sample.</summary>
    int InputSize { get; }

    /// <summary>Writes one score per sample for row-major <paramref name="inputs"/> (batch x InputSize).</summary>
    void Score(ReadOnlySpan<float> inputs, int batchSize, Span<float> scores);
}
