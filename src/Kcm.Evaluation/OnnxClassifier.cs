using Kcm.Core.Models;
using Kcm.Onnx;
using Microsoft.ML.OnnxRuntime;

namespace Kcm.Evaluation;

/// <summary>
/// Any single-input, single-output ONNX classifier as an <see cref="IClassifier"/>. Its output may be logits or
/// probabilities: a row that is non-negative and sums to 1 is taken as probabilities and turned into log-probabilities,
/// which have the same argmax and softmax back to the same distribution.
/// </summary>
public sealed class OnnxClassifier : IClassifier, IDisposable
{
    private const float ProbabilityFloor = 1e-12f;

    private readonly OnnxBatchRunner _runner;

    /// <summary>
    /// Takes ownership of <paramref name="session"/>. A model that is not one float input and one float output, batch
    /// first, throws <see cref="OnnxTensorMismatchException"/> saying why (and the session is disposed).
    /// </summary>
    public OnnxClassifier(InferenceSession session)
    {
        ArgumentNullException.ThrowIfNull(session);
        try
        {
            _runner = OnnxBatchRunner.ForSingleTensor(session, ownsSession: true);
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    public int InputSize => _runner.SampleInputLength;

    public int ClassCount => _runner.SampleOutputLength;

    public static OnnxClassifier Load(string modelPath, OnnxSessionOptions? options = null) => new(OnnxSessionLoader.Load(modelPath, options));

    public void Logits(ReadOnlySpan<float> inputs, int batchSize, Span<float> logits)
    {
        _runner.Run(inputs[..(batchSize * InputSize)], batchSize, logits[..(batchSize * ClassCount)]);
        for (var b = 0; b < batchSize; b++)
        {
            var row = logits.Slice(b * ClassCount, ClassCount);
            if (IsDistribution(row))
            {
                foreach (ref var value in row)
                {
                    value = MathF.Log(MathF.Max(value, ProbabilityFloor));
                }
            }
        }
    }

    public void Dispose() => _runner.Dispose();

    private static bool IsDistribution(ReadOnlySpan<float> row)
    {
        var sum = 0f;
        foreach (var value in row)
        {
            if (value < 0f)
            {
                return false;
            }

            sum += value;
        }

        return MathF.Abs(sum - 1f) < 1e-3f;
    }
}
