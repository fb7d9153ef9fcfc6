using Kcm.Core.Models;
using Kcm.Onnx;
using Microsoft.ML.OnnxRuntime;

namespace Kcm.Evaluation;

/// <summary>
/// An ONNX large model with two float inputs, the features (any shape with a batch axis first, e.g. [batch,1,28,28])
/// and the hint [batch, classes], the small model's probabilities (found by <see cref="HintInputDetection"/>), and logits
/// (tools/train_fashion_hint_cnn.py). Without a hint it is given the uniform distribution, which is how it was trained
/// to read "no hint".
/// </summary>
public sealed class HintedOnnxClassifier : IHintedClassifier, IDisposable
{
    private readonly OnnxBatchRunner _runner;

    private HintedOnnxClassifier(OnnxBatchRunner runner)
    {
        _runner = runner;
        InputSize = runner.SampleLengthOf(0);
        ClassCount = runner.SampleOutputLength;
    }

    public int InputSize { get; }

    public int ClassCount { get; }

    /// <summary>Wraps a hint-reading session, whose inputs <paramref name="choice"/> names, and owns it.</summary>
    public static HintedOnnxClassifier Create(InferenceSession session, HintInputChoice choice)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(choice);
        if (choice.HintInput is null)
        {
            throw new ArgumentException($"The ONNX model reads no hint (inputs: {string.Join(", ", session.InputNames)}).", nameof(choice));
        }

        var runner = new OnnxBatchRunner(session, [choice.ImageInput, choice.HintInput], session.OutputNames[0], ownsSession: true);
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
