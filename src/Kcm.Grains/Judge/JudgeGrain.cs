using System.Numerics.Tensors;
using Kcm.Core.Models;
using Kcm.Grains.Storage;
using Kcm.Grains.Telemetry;

namespace Kcm.Grains.Judge;

/// <summary>
/// The judge: an immutable classifier whose confidence C = max softmax(logits) decides the route, and the threshold
/// epsilon, its only mutable state, persisted through <see cref="IThresholdStore"/> before it takes effect.
/// </summary>
public sealed class JudgeGrain : IJudgeGrain
{
    private readonly IClassifier _judge;
    private readonly IThresholdStore _store;
    private readonly KcmInstruments _instruments;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private double _threshold;

    private JudgeGrain(IClassifier judge, IThresholdStore store, double threshold, KcmInstruments instruments)
    {
        _judge = judge;
        _store = store;
        _threshold = threshold;
        _instruments = instruments;
    }

    public int InputSize => _judge.InputSize;

    public int ClassCount => _judge.ClassCount;

    /// <summary>A judge whose threshold is the persisted one, or <paramref name="defaultThreshold"/> when none was saved.</summary>
    public static async Task<JudgeGrain> CreateAsync(
        IClassifier judge, IThresholdStore store, double defaultThreshold, KcmInstruments instruments, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(judge);
        ValidateThreshold(defaultThreshold);
        var persisted = await store.LoadAsync(cancellationToken).ConfigureAwait(false);
        return new JudgeGrain(judge, store, persisted ?? defaultThreshold, instruments);
    }

    public ValueTask ScoreAsync(ReadOnlyMemory<float> inputs, int batchSize, Memory<float> probabilities, Memory<float> confidences, CancellationToken cancellationToken)
    {
        var classes = _judge.ClassCount;
        var output = probabilities.Span[..(batchSize * classes)];
        var confidence = confidences.Span;
        _judge.Logits(inputs.Span, batchSize, output);
        for (var i = 0; i < batchSize; i++)
        {
            var row = output.Slice(i * classes, classes);
            TensorPrimitives.SoftMax(row, row);
            confidence[i] = TensorPrimitives.Max(row);
            _instruments.JudgeConfidence.Record(confidence[i]);
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask<double> GetThresholdAsync() => ValueTask.FromResult(Volatile.Read(ref _threshold));

    public async Task<double> SetThresholdAsync(double epsilon, CancellationToken cancellationToken)
    {
        ValidateThreshold(epsilon);
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await _store.SaveAsync(epsilon, cancellationToken).ConfigureAwait(false);
            var previous = Volatile.Read(ref _threshold);
            Volatile.Write(ref _threshold, epsilon);
            return previous;
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private static void ValidateThreshold(double epsilon)
    {
        if (!(epsilon is > 0 and < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "The threshold epsilon must be strictly between 0 and 1.");
        }
    }
}
