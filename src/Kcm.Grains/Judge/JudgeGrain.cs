using System.Numerics.Tensors;
using Kcm.Core.Models;
using Kcm.Core.Numerics;
using Kcm.Grains.Storage;
using Kcm.Grains.Telemetry;

namespace Kcm.Grains.Judge;

/// <summary>
/// The judge: an immutable classifier whose confidence C = max softmax(logits) decides the route, and the threshold
/// epsilon, persisted through <see cref="IThresholdStore"/> before it takes effect. The classifier is one immutable
/// <see cref="JudgeVersion"/> swapped with <see cref="Volatile"/> when distillation publishes a better judge: a batch
/// reads it once, so it is scored by one version from start to end.
/// </summary>
public sealed class JudgeGrain : IJudgeGrain
{
    private static readonly KeyValuePair<string, object?> JudgeModel = new("model", "judge");

    private readonly IThresholdStore _store;
    private readonly JudgeStorage? _storage;
    private readonly KcmInstruments _instruments;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly SemaphoreSlim _swapLock = new(1, 1);
    private JudgeVersion _current;
    private double _threshold;

    private JudgeGrain(JudgeVersion judge, IThresholdStore store, JudgeStorage? storage, double threshold, KcmInstruments instruments)
    {
        _current = judge;
        _store = store;
        _storage = storage;
        _threshold = threshold;
        _instruments = instruments;
        instruments.AddGauge("kcm_judge_version", "1", "The judge version serving now (0: never stored).", () => Volatile.Read(ref _current).Version);
    }

    public int InputSize => Current.Model.InputSize;

    public int ClassCount => Current.Model.ClassCount;

    public JudgeVersion Current => Volatile.Read(ref _current);

    /// <summary>The model-store series of a model's judge versions.</summary>
    public static string SeriesFor(string modelName) => modelName + ".judge";

    /// <summary>
    /// A judge whose threshold is the persisted one, or <paramref name="defaultThreshold"/> when none was saved.
    /// Without <paramref name="storage"/> the judge cannot be replaced (<see cref="PublishAsync"/> refuses).
    /// </summary>
    public static async Task<JudgeGrain> CreateAsync(
        IClassifier judge,
        IThresholdStore store,
        double defaultThreshold,
        KcmInstruments instruments,
        CancellationToken cancellationToken,
        JudgeStorage? storage = null,
        int version = 0)
    {
        ArgumentNullException.ThrowIfNull(judge);
        ValidateThreshold(defaultThreshold);
        var persisted = await store.LoadAsync(cancellationToken).ConfigureAwait(false);
        return new JudgeGrain(new JudgeVersion(judge, version), store, storage, persisted ?? defaultThreshold, instruments);
    }

    public ValueTask ScoreAsync(ReadOnlyMemory<float> inputs, int batchSize, Memory<float> probabilities, Memory<float> confidences, CancellationToken cancellationToken)
    {
        var judge = Current.Model;
        var classes = judge.ClassCount;
        var output = probabilities.Span[..(batchSize * classes)];
        var confidence = confidences.Span;
        judge.Logits(inputs.Span, batchSize, output);
        for (var i = 0; i < batchSize; i++)
        {
            var row = output.Slice(i * classes, classes);
            // Max-subtracted softmax: logits above ~88 (e.g. raw 0-255 pixels) overflow a plain exp to NaN.
            Softmax.Apply(row, row);
            confidence[i] = TensorPrimitives.Max(row);
            if (float.IsFinite(confidence[i]))
            {
                _instruments.JudgeConfidence.Record(confidence[i]);
            }
            else
            {
                // The routing rule sends a non-finite confidence to the large model; count how often that happens.
                _instruments.NonFiniteOutputs.Add(1, JudgeModel);
            }
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

    public async Task<JudgeVersion> PublishAsync(IClassifier candidate, double checkAccuracy, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(candidate);
        var storage = Storage;
        var current = Current.Model;
        if (candidate.InputSize != current.InputSize || candidate.ClassCount != current.ClassCount)
        {
            throw new ArgumentException(
                $"The candidate judge takes {candidate.InputSize} features and scores {candidate.ClassCount} classes; the serving one {current.InputSize} and {current.ClassCount}.",
                nameof(candidate));
        }

        await _swapLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var stored = await storage.Store.SaveAsync(storage.Series, storage.Codec.Encode(candidate), checkAccuracy, cancellationToken).ConfigureAwait(false);
            // Serve what the store holds (hash verified on load), as the small model grain does.
            return await LoadAndSwapLockedAsync(storage, stored.Version, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _swapLock.Release();
        }
    }

    /// <summary>
    /// Loads stored judge <paramref name="version"/> (hash verified by the store) and makes it current, e.g. when another
    /// node announced it; the serving judge stays when the load fails.
    /// </summary>
    public async Task<JudgeVersion> ActivateAsync(int version, CancellationToken cancellationToken)
    {
        var storage = Storage;
        await _swapLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await LoadAndSwapLockedAsync(storage, version, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _swapLock.Release();
        }
    }

    private JudgeStorage Storage => _storage ?? throw new InvalidOperationException("This judge has no model store series, so it cannot be replaced.");

    /// <summary>Reads, decodes and checks a stored version, then makes it current. The caller holds the swap lock.</summary>
    private async Task<JudgeVersion> LoadAndSwapLockedAsync(JudgeStorage storage, int version, CancellationToken cancellationToken)
    {
        var bytes = await storage.Store.LoadAsync(storage.Series, version, cancellationToken).ConfigureAwait(false);
        var model = storage.Codec.Decode(bytes);
        var current = Current.Model;
        if (model.InputSize != current.InputSize || model.ClassCount != current.ClassCount)
        {
            throw new InvalidDataException(
                $"judge version {version} takes {model.InputSize} features and scores {model.ClassCount} classes; the serving one {current.InputSize} and {current.ClassCount}");
        }

        var next = new JudgeVersion(model, version);
        Volatile.Write(ref _current, next);
        _instruments.JudgeSwaps.Add(1);
        return next;
    }

    private static void ValidateThreshold(double epsilon)
    {
        if (!(epsilon is > 0 and < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "The threshold epsilon must be strictly between 0 and 1.");
        }
    }
}
