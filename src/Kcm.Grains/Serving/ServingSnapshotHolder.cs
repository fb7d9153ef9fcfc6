using System.Security.Cryptography;
using Kcm.Abstractions.Registry;
using Kcm.Core.Models;
using Kcm.Grains.Telemetry;
using Kcm.Models;
using Kcm.Models.Storage;
using Microsoft.Extensions.Logging;

namespace Kcm.Grains.Serving;

/// <summary>
/// This silo's serving snapshot (a silo-local singleton the judge and small-model grains read). A new version is
/// loaded from the model store, its weights' SHA-256 checked against the registry's, decoded, and only then made
/// current by one atomic reference replace; older versions never replace newer ones. Requests read
/// <see cref="Current"/> once per batch, so no batch sees a partial version.
/// </summary>
public sealed class ServingSnapshotHolder
{
    private readonly IModelStore _store;
    private readonly SafetensorsClassifierCodec _codec;
    private readonly KcmInstruments _instruments;
    private readonly ILogger _logger;
    private ServingSnapshot? _current;

    public ServingSnapshotHolder(IModelStore store, SafetensorsClassifierCodec codec, KcmInstruments instruments, ILogger<ServingSnapshotHolder> logger)
    {
        _store = store;
        _codec = codec;
        _instruments = instruments;
        _logger = logger;
        instruments.AddGauge("kcm_serving_version", "1", "The serving version this silo serves (0: none yet).", () => Current?.Version.Version ?? 0);
        instruments.AddGauge("kcm_small_model_version", "1", "The small model version serving now.", () => Current?.Version.Small.Version ?? 0);
        instruments.AddGauge("kcm_judge_version", "1", "The judge version serving now (0: none yet).", () => Current?.Version.Judge.Version ?? 0);
        instruments.AddOptionalGauge(
            "kcm_calibrated_large_share", "1",
            "The share of the calibration rows the serving threshold sends to the large model (no series while the threshold is set by hand).",
            () => Current?.Version.CalibratedLargeShare);
    }

    /// <summary>The snapshot serving now, or null before this silo loaded its first version.</summary>
    public ServingSnapshot? Current => Volatile.Read(ref _current);

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
        var before = Current;
        if (Serves(before, version, registryCurrent))
        {
            return false;
        }

        ServingSnapshot next;
        try
        {
            var judge = await LoadAsync(version.Judge, before?.Version.Judge, before?.Judge, cancellationToken).ConfigureAwait(false);
            var small = await LoadAsync(version.Small, before?.Version.Small, before?.Small, cancellationToken).ConfigureAwait(false);
            next = new ServingSnapshot(version, judge, small);
            if (before is not null && (next.InputSize != before.InputSize || next.ClassCount != before.ClassCount))
            {
                throw new InvalidDataException(
                    $"Serving version {version.Version} takes {next.InputSize} features and {next.ClassCount} classes; version {before.Version.Version} took {before.InputSize} and {before.ClassCount}.");
            }
        }
        catch (Exception e) when (e is ModelStoreException or InvalidDataException)
        {
            _instruments.SwapFailures.Add(1);
            _logger.LogError("Refused serving version {Version}; version {Current} keeps serving. Reason: {Reason}", version.Version, before?.Version.Version, e.Message);
            throw;
        }

        // One atomic replace, and never backwards unless the registry said so: a slow load of an older version loses to a
        // newer one already swapped.
        while (true)
        {
            var seen = Volatile.Read(ref _current);
            if (Serves(seen, version, registryCurrent))
            {
                return false;
            }

            if (ReferenceEquals(Interlocked.CompareExchange(ref _current, next, seen), seen))
            {
                Count(seen, next);
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

    /// <summary>The classifier of <paramref name="weights"/>: reused when the serving one is the same stored weights, else loaded and checked.</summary>
    private async Task<IClassifier> LoadAsync(StoredWeights weights, StoredWeights? serving, IClassifier? servingModel, CancellationToken cancellationToken)
    {
        if (servingModel is not null && weights == serving)
        {
            return servingModel;
        }

        // The store verifies the bytes against its own record; the registry's hash must match too, so a silo never
        // serves weights other than the ones published (e.g. a series rewritten under the same version number).
        var bytes = await _store.LoadAsync(weights.Series, weights.Version, cancellationToken).ConfigureAwait(false);
        var actual = Convert.ToHexStringLower(SHA256.HashData(bytes));
        if (!string.Equals(actual, weights.Sha256, StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidDataException($"'{weights.Series}' version {weights.Version} has sha256 {actual}; the registry published {weights.Sha256}.");
        }

        return _codec.Decode(bytes);
    }
}
