using System.Security.Cryptography;
using Kcm.Abstractions.Registry;
using Kcm.Core.Models;
using Kcm.Grains.Hosting;
using Kcm.Grains.Telemetry;
using Kcm.Models;
using Kcm.Models.Graphs;
using Kcm.Models.Storage;
using Kcm.Onnx;
using Microsoft.Extensions.Logging;

namespace Kcm.Grains.Serving;

/// <summary>
/// This silo's serving snapshot (a silo-local singleton the judge and small-model grains read). A new version is
/// loaded from the model store, its weights' SHA-256 checked against the registry's, decoded, and only then made
/// current by one atomic reference replace; older versions never replace newer ones. A batch takes the snapshot once
/// through <see cref="Lease"/>, so no batch sees a partial version, and a replaced snapshot's models are released only
/// when no batch holds it any more. Each model runs as <c>Kcm:Inference</c> says: the C# forward pass, or an ONNX graph
/// (<see cref="GraphClassifier"/>) on the configured provider on gpu silos and the CPU elsewhere; a new version whose
/// model has the serving one's architecture runs on the serving one's session with its own weights bound (no new
/// session), a different architecture gets a new session.
/// </summary>
public sealed class ServingSnapshotHolder
{
    private readonly IModelStore _store;
    private readonly SafetensorsClassifierCodec _codec;
    private readonly KcmInstruments _instruments;
    private readonly ILogger _logger;
    private readonly ClassifierInferenceOptions _inference;
    private readonly OnnxSessionOptions _sessionOptions;
    private ServingSnapshot? _current;

    public ServingSnapshotHolder(
        IModelStore store,
        SafetensorsClassifierCodec codec,
        KcmInstruments instruments,
        ClassifierInferenceOptions inference,
        LocalSiloRoles roles,
        ILogger<ServingSnapshotHolder> logger)
    {
        ArgumentNullException.ThrowIfNull(inference);
        ArgumentNullException.ThrowIfNull(roles);
        _store = store;
        _codec = codec;
        _instruments = instruments;
        _inference = inference;
        _sessionOptions = inference.SessionOptions(roles.IsGpu);
        _logger = logger;
        instruments.AddGauge("kcm_serving_version", "1", "The serving version this silo serves (0: none yet).", () => Current?.Version.Version ?? 0);
        instruments.AddGauge("kcm_small_model_version", "1", "The small model version serving now.", () => Current?.Version.Small.Version ?? 0);
        instruments.AddGauge("kcm_judge_version", "1", "The judge version serving now (0: none yet).", () => Current?.Version.Judge.Version ?? 0);
        instruments.AddOptionalGauge(
            "kcm_calibrated_large_share", "1",
            "The share of the calibration rows the serving threshold sends to the large model (no series while the threshold is set by hand).",
            () => Current?.Version.CalibratedLargeShare);
    }

    /// <summary>
    /// The snapshot serving now, or null before this silo loaded its first version. For its version and settings: a
    /// batch that runs its models takes a <see cref="Lease"/> instead, since a replaced snapshot's models are disposed.
    /// </summary>
    public ServingSnapshot? Current => Volatile.Read(ref _current);

    /// <summary>The ONNX Runtime session options of this silo's ONNX path.</summary>
    public OnnxSessionOptions SessionOptions => _sessionOptions;

    /// <summary>Holds the current snapshot for one batch (its models stay usable until the lease is disposed).</summary>
    public SnapshotLease Lease()
    {
        while (true)
        {
            var snapshot = Volatile.Read(ref _current);
            if (snapshot is null || snapshot.TryEnter())
            {
                return new SnapshotLease(snapshot);
            }

            // Replaced and released between the read and the hold: the newer one is current now.
        }
    }

    /// <summary>
    /// Loads <paramref name="version"/> and makes it current unless this silo already serves it or (unless
    /// <paramref name="registryCurrent"/>) a newer one. Returns whether it replaced the snapshot. On failure the serving
    /// snapshot stays and the exception says why.
    /// </summary>
    /// <param name="version">The version to serve.</param>
    /// <param name="cancellationToken">Stops loading.</param>
    /// <param name="registryCurrent">
    /// The registry confirmed <paramref name="version"/> is its current one: it replaces whatever this silo serves, even a
    /// higher number (the registry's state was lost and seeded again, e.g. on in-memory grain storage).
    /// </param>
    /// <exception cref="ModelStoreException">A weights file is missing or does not verify.</exception>
    /// <exception cref="InvalidDataException">The weights' hash is not the registry's, or they do not decode or fit.</exception>
    public async Task<bool> SwapAsync(ServingVersion version, CancellationToken cancellationToken, bool registryCurrent = false)
    {
        ArgumentNullException.ThrowIfNull(version);
        // Held while loading, so its models (reused, or whose session a new model shares) stay undisposed meanwhile.
        using var lease = Lease();
        var before = lease.Snapshot;
        if (Serves(before, version, registryCurrent))
        {
            return false;
        }

        ServingSnapshot next;
        ServingModel? judge = null;
        ServingModel? small = null;
        try
        {
            judge = await LoadAsync(version.Judge, before?.JudgeModel, _inference.Judge, cancellationToken).ConfigureAwait(false);
            small = await LoadAsync(version.Small, before?.SmallModel, _inference.SmallModel, cancellationToken).ConfigureAwait(false);
            next = new ServingSnapshot(version, judge, small);
            if (before is not null && (next.InputSize != before.InputSize || next.ClassCount != before.ClassCount))
            {
                throw new InvalidDataException(
                    $"Serving version {version.Version} takes {next.InputSize} features and {next.ClassCount} classes; version {before.Version.Version} took {before.InputSize} and {before.ClassCount}.");
            }
        }
        catch (Exception e)
        {
            judge?.Release();
            small?.Release();
            if (e is ModelStoreException or InvalidDataException or OnnxProviderUnavailableException)
            {
                _instruments.SwapFailures.Add(1);
                _logger.LogError("Refused serving version {Version}; version {Current} keeps serving. Reason: {Reason}", version.Version, before?.Version.Version, e.Message);
            }

            throw;
        }

        // One atomic replace, and never backwards unless the registry said so: a slow load of an older version loses to a
        // newer one already swapped.
        while (true)
        {
            var seen = Volatile.Read(ref _current);
            if (Serves(seen, version, registryCurrent))
            {
                next.Exit();
                return false;
            }

            if (ReferenceEquals(Interlocked.CompareExchange(ref _current, next, seen), seen))
            {
                Count(seen, next);

                // The holder's hold on the replaced snapshot; batches still holding it finish on it.
                seen?.Exit();
                return true;
            }
        }
    }

    /// <summary>Whether <paramref name="snapshot"/> already serves <paramref name="version"/> (or, unless told otherwise, a newer one).</summary>
    private static bool Serves(ServingSnapshot? snapshot, ServingVersion version, bool registryCurrent) =>
        snapshot is not null && (snapshot.Version == version || (!registryCurrent && snapshot.Version.Version >= version.Version));

    private void Count(ServingSnapshot? before, ServingSnapshot next)
    {
        if (before is null || before.Version.Small != next.Version.Small)
        {
            _instruments.Swaps.Add(1);
        }

        if (before is null || before.Version.Judge != next.Version.Judge)
        {
            _instruments.JudgeSwaps.Add(1);
        }

        _logger.LogInformation(
            "Serving version {Version} is now current (small {Small}, judge {Judge}, threshold {Threshold}; {Reason}).",
            next.Version.Version, next.Version.Small.Version, next.Version.Judge.Version, next.Threshold, next.Version.Reason);
    }

    /// <summary>The model of <paramref name="weights"/>: the serving one when it is the same stored weights, else loaded, checked and made runnable.</summary>
    private async Task<ServingModel> LoadAsync(StoredWeights weights, ServingModel? serving, ClassifierEngine engine, CancellationToken cancellationToken)
    {
        if (serving is not null && weights == serving.Weights)
        {
            return serving.Share();
        }

        // The store verifies the bytes against its own record; the registry's hash must match too, so a silo never
        // serves weights other than the ones published (e.g. a series rewritten under the same version number).
        var bytes = await _store.LoadAsync(weights.Series, weights.Version, cancellationToken).ConfigureAwait(false);
        var actual = Convert.ToHexStringLower(SHA256.HashData(bytes));
        if (!string.Equals(actual, weights.Sha256, StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidDataException($"'{weights.Series}' version {weights.Version} has sha256 {actual}; the registry published {weights.Sha256}.");
        }

        return new ServingModel(weights, Runnable(_codec.Decode(bytes), engine, serving?.Classifier, weights));
    }

    /// <summary><paramref name="decoded"/> as <paramref name="engine"/> runs it, on <paramref name="serving"/>'s session when that is a graph of the same architecture.</summary>
    private IClassifier Runnable(IClassifier decoded, ClassifierEngine engine, IClassifier? serving, StoredWeights weights)
    {
        if (engine == ClassifierEngine.CSharp)
        {
            return decoded;
        }

        if (decoded is not IExportableClassifier exportable)
        {
            throw new InvalidDataException($"'{weights.Series}' version {weights.Version} has no ONNX graph ({decoded.GetType().Name}); run it with {ClassifierInferenceOptions.SectionName} csharp.");
        }

        return serving is GraphClassifier graph && graph.Architecture == exportable.Architecture
            ? graph.WithWeights(exportable)
            : new GraphClassifier(exportable, _sessionOptions);
    }
}
