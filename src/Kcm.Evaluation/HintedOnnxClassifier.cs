using Kcm.Core.Models;
using Kcm.Onnx;

namespace Kcm.Evaluation;

/// <summary>
/// An ONNX large model with two float inputs, the features (any shape with a batch axis first, e.g. [batch,1,28,28])
/// and <see cref="HintInput"/> [batch, classes], the small model's probabilities, and one output of logits
/// (tools/train_fashion_hint_cnn.py). Without a hint it is given the uniform distribution, which is how it was trained
/// to read "no hint". For evaluation: each call copies its inputs and outputs.
/// </summary>
public sealed class HintedOnnxClassifier : IHintedClassifier, IDisposable
{
    /// <summary>The hint input's name.</summary>
    public const string HintInput = "small_probs";

    private readonly OnnxSession _session;
    private readonly OnnxTensorInfo _features;
    private readonly string _output;

    private HintedOnnxClassifier(OnnxSession session, OnnxTensorInfo features, int inputSize, int classes)
    {
        _session = session;
        _features = features;
        _output = session.Outputs[0].Name;
        InputSize = inputSize;
        ClassCount = classes;
    }

    public int InputSize { get; }

    public int ClassCount { get; }

    /// <summary>Whether <paramref name="session"/> is a hint-reading model: two inputs, one of them <see cref="HintInput"/>, one output.</summary>
    public static bool Reads(OnnxSession session) =>
        session.Inputs.Count == 2 && session.Outputs.Count == 1 && session.Inputs.Any(i => i.Name == HintInput);

    /// <summary>Wraps a hint-reading session (see <see cref="Reads"/>); takes ownership of it.</summary>
    public static HintedOnnxClassifier Create(OnnxSession session)
    {
        ArgumentNullException.ThrowIfNull(session);
        if (!Reads(session))
        {
            throw new ArgumentException($"The ONNX model {session.ModelPath} does not read a '{HintInput}' hint beside one feature input.", nameof(session));
        }

        var features = session.Inputs.Single(i => i.Name != HintInput);
        var hint = session.Inputs.Single(i => i.Name == HintInput);
        var inputSize = (int)features.Shape.Skip(1).Aggregate(1L, (a, d) => a * d);
        var classes = (int)hint.Shape[^1];
        if (inputSize < 1 || classes < 2 || session.Outputs[0].Shape[^1] != classes)
        {
            throw new ArgumentException($"The ONNX model {session.ModelPath} has inputs {features} and {hint} and output {session.Outputs[0]}: not a classifier reading a hint.", nameof(session));
        }

        return new HintedOnnxClassifier(session, features, inputSize, classes);
    }

    public void Logits(ReadOnlySpan<float> inputs, int batchSize, Span<float> logits)
    {
        var uniform = new float[batchSize * ClassCount];
        Array.Fill(uniform, 1f / ClassCount);
        Logits(inputs, uniform, batchSize, logits);
    }

    public void Logits(ReadOnlySpan<float> inputs, ReadOnlySpan<float> hints, int batchSize, Span<float> logits)
    {
        var shape = _features.Shape.ToArray();
        shape[0] = batchSize;
        var outputs = _session.Run(
            [
                OnnxInputTensor.Float(_features.Name, inputs[..(batchSize * InputSize)].ToArray(), shape),
                OnnxInputTensor.Float(HintInput, hints[..(batchSize * ClassCount)].ToArray(), batchSize, ClassCount),
            ],
            [_output]);
        outputs[0].Values.AsSpan(0, batchSize * ClassCount).CopyTo(logits);
    }

    public void Dispose() => _session.Dispose();
}
