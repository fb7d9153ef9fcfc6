using System.Buffers;

namespace Kcm.Silo.Http;

/// <summary>A validated infer batch in a pooled buffer (row-major, batch x features); dispose to return the buffer.</summary>
internal sealed class InferInput(float[] buffer, int batchSize, int featureCount, bool returnProbabilities) : IDisposable
{
    public ReadOnlyMemory<float> Features { get; } = buffer.AsMemory(0, batchSize * featureCount);

    public int BatchSize => batchSize;

    public bool ReturnProbabilities => returnProbabilities;

    public void Dispose() => ArrayPool<float>.Shared.Return(buffer);
}
