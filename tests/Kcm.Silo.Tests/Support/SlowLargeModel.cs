using Kcm.Grains.Large;

namespace Kcm.Silo.Tests.Support;

/// <summary>The test large model, taking <see cref="Delay"/> per batch and remembering the batch sizes and hints it saw.</summary>
internal sealed class SlowLargeModel(TimeSpan delay, string? hintInputName = null) : ILargeModel
{
    private readonly LinearClassifier _model = TestModels.Large();
    private readonly List<int> _batchSizes = [];
    private readonly List<float[]> _hints = [];

    public TimeSpan Delay { get; } = delay;

    public string Name => "test-large";

    public int InputSize => _model.InputSize;

    public int ClassCount => _model.ClassCount;

    public string? HintInputName { get; } = hintInputName;

    public IReadOnlyList<int> BatchSizes
    {
        get
        {
            lock (_batchSizes)
            {
                return [.. _batchSizes];
            }
        }
    }

    public IReadOnlyList<float[]> Hints
    {
        get
        {
            lock (_batchSizes)
            {
                return [.. _hints];
            }
        }
    }

    public void Run(ReadOnlySpan<float> inputs, ReadOnlySpan<float> hints, int batchSize, Span<float> logits)
    {
        if (Delay > TimeSpan.Zero)
        {
            Thread.Sleep(Delay);
        }

        lock (_batchSizes)
        {
            _batchSizes.Add(batchSize);
            _hints.Add(hints.ToArray());
        }

        _model.Logits(inputs, batchSize, logits);
    }

    public void Dispose()
    {
    }
}
