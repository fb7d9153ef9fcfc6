using Kcm.Core.Models;
using Kcm.Grains.Storage;
using Kcm.Grains.Telemetry;
using Microsoft.Extensions.Logging;

namespace Kcm.Grains.Small;

/// <summary>
/// The single owner of the serving small model. The current version is one immutable <see cref="SmallModelVersion"/>
/// reference swapped with <see cref="Volatile"/>: readers take it once per batch, so a batch in flight finishes on the
/// version it started with. A new version is decoded from the bytes read back from the store (hash verified) and
/// published only once fully built; a version that fails to load is refused and the current one keeps serving.
/// </summary>
public sealed class SmallModelGrain : ISmallModelGrain
{
    private readonly IModelStore _store;
    private readonly IClassifierCodec _codec;
    private readonly KcmInstruments _instruments;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _swapLock = new(1, 1);
    private SmallModelVersion? _current;

    public SmallModelGrain(string seriesName, IModelStore store, IClassifierCodec codec, KcmInstruments instruments, ILogger<SmallModelGrain> logger)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(seriesName);
        SeriesName = seriesName;
        _store = store;
        _codec = codec;
        _instruments = instruments;
        _logger = logger;
        instruments.AddGauge("kcm_small_model_version", "1", "The small model version serving now.", () => Volatile.Read(ref _current)?.Version ?? 0);
    }

    /// <summary>The model store series holding this grain's versions.</summary>
    public string SeriesName { get; }

    /// <summary>
    /// Makes the newest stored version that loads current, skipping (and logging) any that fail verification.
    /// Returns false when no stored version loads; the caller then publishes an initial model.
    /// </summary>
    public async Task<bool> TryLoadNewestAsync(CancellationToken cancellationToken)
    {
        var versions = await _store.ListAsync(SeriesName, cancellationToken).ConfigureAwait(false);
        for (var i = versions.Count - 1; i >= 0; i--)
        {
            try
            {
                await ActivateAsync(versions[i].Version, cancellationToken).ConfigureAwait(false);
                return true;
            }
            catch (ModelStoreException)
            {
                // Already logged with its reason by ActivateAsync; try the next older version.
            }
            catch (InvalidDataException)
            {
            }
        }

        return false;
    }

    public ValueTask<SmallModelVersion> GetCurrentAsync() => ValueTask.FromResult(Current());

    public ValueTask<SmallModelVersion> LogitsAsync(ReadOnlyMemory<float> inputs, int batchSize, Memory<float> logits, CancellationToken cancellationToken)
    {
        var version = Current();
        version.Model.Logits(inputs.Span, batchSize, logits.Span);
        return ValueTask.FromResult(version);
    }

    public async Task<SmallModelVersion> PublishAsync(IClassifier model, double checkAccuracy, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(model);
        var bytes = _codec.Encode(model);
        await _swapLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var stored = await _store.SaveAsync(SeriesName, bytes, checkAccuracy, cancellationToken).ConfigureAwait(false);
            // Serve what the store holds, not the object we were given: a version is only ever what its file says.
            return await LoadAndSwapAsync(stored.Version, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _swapLock.Release();
        }
    }

    public async Task<SmallModelVersion> ActivateAsync(int version, CancellationToken cancellationToken)
    {
        await _swapLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await LoadAndSwapAsync(version, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _swapLock.Release();
        }
    }

    public async Task<RollbackResult> RollbackAsync(int? version, CancellationToken cancellationToken)
    {
        await _swapLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var current = Current();
            var target = version ?? await PreviousVersionAsync(current.Version, cancellationToken).ConfigureAwait(false);
            var next = await LoadAndSwapAsync(target, cancellationToken).ConfigureAwait(false);
            return new RollbackResult(next, current.Version);
        }
        finally
        {
            _swapLock.Release();
        }
    }

    public Task<IReadOnlyList<StoredModel>> ListVersionsAsync(CancellationToken cancellationToken) => _store.ListAsync(SeriesName, cancellationToken);

    private SmallModelVersion Current() =>
        Volatile.Read(ref _current) ?? throw new InvalidOperationException("The small model grain has no version loaded yet.");

    private async Task<int> PreviousVersionAsync(int current, CancellationToken cancellationToken)
    {
        var versions = await _store.ListAsync(SeriesName, cancellationToken).ConfigureAwait(false);
        for (var i = versions.Count - 1; i >= 0; i--)
        {
            if (versions[i].Version < current)
            {
                return versions[i].Version;
            }
        }

        throw new ModelStoreException(SeriesName, current - 1, ModelStoreFailure.UnknownVersion, $"no stored version is older than the current version {current}");
    }

    private async Task<SmallModelVersion> LoadAndSwapAsync(int version, CancellationToken cancellationToken)
    {
        SmallModelVersion next;
        try
        {
            var bytes = await _store.LoadAsync(SeriesName, version, cancellationToken).ConfigureAwait(false);
            var records = await _store.ListAsync(SeriesName, cancellationToken).ConfigureAwait(false);
            var record = FindRecord(records, version);
            var model = _codec.Decode(bytes);
            var current = Volatile.Read(ref _current);
            if (current is not null && (model.InputSize != current.Model.InputSize || model.ClassCount != current.Model.ClassCount))
            {
                throw new InvalidDataException(
                    $"version {version} takes {model.InputSize} inputs and gives {model.ClassCount} classes; the serving version takes {current.Model.InputSize} and gives {current.Model.ClassCount}");
            }

            next = new SmallModelVersion(version, model, record.CreatedUtc, record.Sha256, record.CheckAccuracy);
        }
        catch (Exception e) when (e is ModelStoreException or InvalidDataException)
        {
            // Asking for a version that does not exist is the caller's mistake; a stored version that fails to verify is ours.
            var level = e is ModelStoreException { Failure: ModelStoreFailure.UnknownVersion } ? LogLevel.Warning : LogLevel.Error;
            _logger.Log(
                level,
                "Refused small model {Series} version {Version}; version {Current} keeps serving. Reason: {Reason}",
                SeriesName, version, Volatile.Read(ref _current)?.Version, e is ModelStoreException s ? s.Reason : e.Message);
            throw;
        }

        Volatile.Write(ref _current, next);
        _instruments.Swaps.Add(1);
        _logger.LogInformation("Small model {Series} version {Version} is now serving (sha256 {Sha256}).", SeriesName, version, next.Sha256);
        return next;
    }

    private StoredModel FindRecord(IReadOnlyList<StoredModel> records, int version)
    {
        foreach (var record in records)
        {
            if (record.Version == version)
            {
                return record;
            }
        }

        throw new ModelStoreException(SeriesName, version, ModelStoreFailure.UnknownVersion, "the version was pruned while loading");
    }
}
