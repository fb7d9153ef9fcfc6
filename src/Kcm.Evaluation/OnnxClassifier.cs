using Kcm.Core.Models;
using Kcm.Onnx;

namespace Kcm.Evaluation;

/// <summary>
/// Any single-input, single-output ONNX classifier as an <see cref="IClassifier"/>. Its output may be logits or
/// probabilities: a row that is non-negative and sums to 1 is taken as probabilities and turned into log-probabilities,
/// which have the same argmax and softmax back to the same distribution.
/// </summary>
public sealed class OnnxClassifier : IClassifier, IDisposable
{
    private const float ProbabilityFloor = 1e-12f;

    private readonly OnnxSession _session;

    public OnnxClassifier(OnnxSession session)
    {
        ArgumentNullException.ThrowIfNull(session);
        if (!session.SupportsSingleTensorRun)
        {
            throw new ArgumentException($"The ONNX model {session.ModelPath} is not a single-input, single-output classifier.", nameof(session));
        }

        _session = session;
    }

    public int InputSize => _session.SampleInputLength;

    public int ClassCount => _session.SampleOutputLength;

    public static OnnxClassifier Load(string modelPath) => new(OnnxSession.Load(modelPath));

    public void Logits(ReadOnlySpan<float> inputs, int batchSize, Span<float> logits)
    {
        _session.Run(inputs[..(batchSize * InputSize)], batchSize, logits[..(batchSize * ClassCount)]);
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

    public void Dispose() => _session.Dispose();

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
