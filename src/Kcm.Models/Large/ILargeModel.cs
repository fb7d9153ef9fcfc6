namespace Kcm.Models.Large;

/// <summary>One instance (session) of the large model; the pool runs one batch at a time on each.</summary>
public interface ILargeModel : IDisposable
{
    /// <summary>A name for people (e.g. the ONNX file's name).</summary>
    string Name { get; }

    int InputSize { get; }

    int ClassCount { get; }

    /// <summary>The model input that takes the small model's probabilities as a hint, or null when it has none.</summary>
    string? HintInputName { get; }

    /// <summary>
    /// Whether <see cref="Run"/> gives the model the caller's hints: false when it has no hint input, or when the hint
    /// is turned off (<c>Kcm:Embedded:UseHint</c> false: the hint input gets a uniform row instead).
    /// </summary>
    bool UsesHint { get; }

    /// <summary>
    /// Writes logits (batch x classes) for row-major inputs (batch x features). <paramref name="hints"/> holds the small
    /// model's probabilities (batch x classes) and is read only when <see cref="UsesHint"/>.
    /// </summary>
    void Run(ReadOnlySpan<float> inputs, ReadOnlySpan<float> hints, int batchSize, Span<float> logits);
}
