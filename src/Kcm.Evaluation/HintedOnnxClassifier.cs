using Kcm.Core.Models;
using Kcm.Onnx;
using Microsoft.ML.OnnxRuntime;

namespace Kcm.Evaluation;

/// <summary>
/// An ONNX large model with two float inputs, the features (any shape with a batch axis first, e.g. [batch,1,28,28])
/// and <see cref="HintInput"/> [batch, classes], the small model's probabilities, and one output of logits
/// (tools/train_fashion_hint_cnn.py). Without a hint it is given the uniform distribution, which is how it was trained
/// to read "no hint".
/// </summary>
public sealed class HintedOnnxClassifier : IHintedClassifier, IDisposable
{
    /// <summary>The hint input's name.</summary>
    public const string HintInput = "small_probs";

    private readonly OnnxBatchRunner _runner;

    private HintedOnnxClassifier(OnnxBatchRunner runner)
    {
        _runner = runner;
        InputSize = runner.SampleLengthOf(0);
        ClassCount = runner.SampleOutputLength;
    }

    public int InputSize { get; }

    public int ClassCount { get; }

    /// <summary>Whether <paramref name="session"/> is a hint-reading model: two inputs, one of them <see cref="HintInput"/>, one output.</summary>
    public static bool Reads(InferenceSession session)
    {
        ArgumentNullException.ThrowIfNull(session);
        return session.InputNames.Count == 2 && session.OutputNames.Count == 1 && session.InputNames.Contains(HintInput);
    }

    /// <summary>Wraps a hint-reading session (see <see cref="Reads"/>) and owns it.</summary>
    public static HintedOnnxClassifier Create(InferenceSession session)
    {
        ArgumentNullException.ThrowIfNull(session);
        if (!Reads(session))
        {
            throw new ArgumentException($"The ONNX model does not read a '{HintInput}' hint beside one feature input (inputs: {string.Join(", ", session.InputNames)}).", nameof(session));
        }

        var features = session.InputNames.Single(n => n != HintInput);
        var runner = new OnnxBatchRunner(session, [features, HintInput], session.OutputNames[0], ownsSession: true);
        if (runner.SampleLengthOf(1) != runner.SampleOutputLength)
        {
            runner.Dispose();
            throw new ArgumentException($"The hint has {runner.SampleLengthOf(1)} entries per sample and the output {runner.SampleOutputLength}: not one probability per class.", nameof(session));
        }

        return new HintedOnnxClassifier(runner);
    }

    public void Logits(ReadOnlySpan<float> inputs, int batchSize, Span<float> logits)
    {
        var uniform = new float[batchSize * ClassCount];
        Array.Fill(uniform, 1f / ClassCount);
        Logits(inputs, uniform, batchSize, logits);
    }

    public void Logits(ReadOnlySpan<float> inputs, ReadOnlySpan<float> hints, int batchSize, Span<float> logits) =>
        _runner.Run(inputs[..(batchSize * InputSize)], hints[..(batchSize * ClassCount)], batchSize, logits[..(batchSize * ClassCount)]);

    public void Dispose() => _runner.Dispose();
}
