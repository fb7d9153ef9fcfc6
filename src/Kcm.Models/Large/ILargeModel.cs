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
    /// Writes logits (batch x classes) for row-major inputs (batch x features). <paramref name="hints"/> holds the small
    /// model's probabilities (batch x classes) and is used only when <see cref="HintInputName"/> is set.
    /// </summary>
    void Run(ReadOnlySpan<float> inputs, ReadOnlySpan<float> hints, int batchSize, Span<float> logits);
}
