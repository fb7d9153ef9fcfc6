namespace Kcm.Core.Training;

/// <summary>
/// A classifier architecture with a hand-written backward pass. It holds no weights: all parameters live in one flat
/// float array owned by the caller (a classifier's immutable copy or a trainer's working copy), which keeps Adam,
/// gradient reduction and finite-difference checks to simple loops over one span. Implementations are immutable
/// and thread-safe; all working memory is passed in.
/// </summary>
public interface IDifferentiableNetwork
{
    /// <summary>Features per sample.</summary>
    int InputSize { get; }

    /// <summary>Logits per sample.</summary>
    int ClassCount { get; }

    /// <summary>Length of the flat parameter array.</summary>
    int ParameterCount { get; }

    /// <summary>A text that names the architecture and all its sizes, e.g. "mlp:784-64-10"; enough to rebuild it.</summary>
    string Architecture { get; }

    /// <summary>Floats of activation memory that <see cref="Forward"/> fills for <paramref name="batchSize"/> samples.</summary>
    int ActivationSize(int batchSize);

    /// <summary>Floats of working memory that <see cref="Backward"/> needs for <paramref name="batchSize"/> samples.</summary>
    int BackwardScratchSize(int batchSize);

    /// <summary>Writes fresh random parameters (deterministic for a given <paramref name="random"/> state).</summary>
    void Initialize(Span<float> parameters, Random random);

    /// <summary>Logits for a batch; keeps what the backward pass needs in <paramref name="activations"/>.</summary>
    void Forward(ReadOnlySpan<float> parameters, ReadOnlySpan<float> inputs, int batchSize, Span<float> activations, Span<float> logits);

    /// <summary>
    /// Adds dLoss/dParameters to <paramref name="parameterGradient"/> given dLoss/dLogits, using the activations of
    /// the matching <see cref="Forward"/> call.
    /// </summary>
    void Backward(
        ReadOnlySpan<float> parameters,
        ReadOnlySpan<float> inputs,
        int batchSize,
        ReadOnlySpan<float> activations,
        ReadOnlySpan<float> logitGradient,
        Span<float> parameterGradient,
        Span<float> scratch);

    /// <summary>The parameters as named tensors (name, shape, copied values) for saving, e.g. as safetensors.</summary>
    IReadOnlyDictionary<string, (int[] Shape, float[] Data)> ExportTensors(ReadOnlySpan<float> parameters);

    /// <summary>The flat parameter array from named tensors made by <see cref="ExportTensors"/>; throws <see cref="ArgumentException"/> on a missing or misshapen tensor.</summary>
    float[] ImportTensors(IReadOnlyDictionary<string, (int[] Shape, float[] Data)> tensors);
}
