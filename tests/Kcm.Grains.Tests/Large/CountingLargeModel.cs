using Kcm.Grains.Large;

namespace Kcm.Grains.Tests.Large;

/// <summary>A large model whose logits copy the first ClassCount inputs, remembering each batch size; it can block until released.</summary>
internal sealed class CountingLargeModel(int inputSize, int classCount) : ILargeModel
{
    private readonly List<int> _batches = [];

    public SemaphoreSlim? Gate { get; init; }

    public string Name => "counting";

    public int InputSize { get; } = inputSize;

    public int ClassCount { get; } = classCount;

    public string? HintInputName => null;

    public IReadOnlyList<int> Batches
    {
        get
        {
            lock (_batches)
            {
                return [.. _batches];
            }
        }
    }

    public void Run(ReadOnlySpan<float> inputs, ReadOnlySpan<float> hints, int batchSize, Span<float> logits)
    {
        Gate?.Wait();
        lock (_batches)
        {
            _batches.Add(batchSize);
        }

        for (var n = 0; n < batchSize; n++)
        {
            inputs.Slice(n * InputSize, ClassCount).CopyTo(logits.Slice(n * ClassCount, ClassCount));
        }
    }

    public void Dispose()
    {
    }
}
