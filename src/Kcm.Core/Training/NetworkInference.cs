using System.Buffers;

namespace Kcm.Core.Training;

/// <summary>Runs a network's forward pass for inference with pooled scratch memory: no allocation per call.</summary>
public static class NetworkInference
{
    /// <summary>Rows per forward call; bounds the pooled scratch however large the caller's batch is.</summary>
    public const int MaxChunk = 256;

    /// <summary>Writes logits (batch x ClassCount) for row-major inputs (batch x InputSize).</summary>
    public static void Logits(
        IDifferentiableNetwork network, ReadOnlySpan<float> parameters, ReadOnlySpan<float> inputs, int batchSize, Span<float> logits)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(batchSize);
        var inputSize = network.InputSize;
        var classCount = network.ClassCount;
        if (inputs.Length < batchSize * inputSize)
        {
            throw new ArgumentException($"Inputs have {inputs.Length} values, need {batchSize} x {inputSize}.", nameof(inputs));
        }

        if (logits.Length < batchSize * classCount)
        {
            throw new ArgumentException($"Logits have room for {logits.Length} values, need {batchSize} x {classCount}.", nameof(logits));
        }

        if (batchSize == 0)
        {
            return;
        }

        var chunk = Math.Min(batchSize, MaxChunk);
        var activations = ArrayPool<float>.Shared.Rent(Math.Max(1, network.ActivationSize(chunk)));
        try
        {
            for (var start = 0; start < batchSize; start += chunk)
            {
                var rows = Math.Min(chunk, batchSize - start);
                network.Forward(
                    parameters,
                    inputs.Slice(start * inputSize, rows * inputSize),
                    rows,
                    activations,
                    logits.Slice(start * classCount, rows * classCount));
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(activations);
        }
    }
}
