using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Kcm.Models.Storage;

namespace Kcm.Storage.Azure.Blobs;

/// <summary>
/// A model store in one blob container shared by every silo: <c>{series}/v000001.bin</c> holds a version's bytes, and
/// its metadata the SHA-256, size, check accuracy and creation time. A version is one blob written in one request with
/// its metadata, so it exists only once complete; it is created only if absent (If-None-Match: *), so two writers
/// racing for the next number never overwrite each other: the loser takes the number after. Loads recompute the
/// SHA-256 and refuse a mismatch. Only the newest <see cref="KeepVersions"/> of a series are kept.
/// </summary>
public sealed class BlobModelStore : IModelStore
{
    /// <summary>How many numbers a save tries when other writers keep taking them first.</summary>
    private const int MaxAttempts = 64;

    private static readonly SearchValues<char> NameCharacters = SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_");

    private const string Sha256Key = "sha256";
    private const string SizeKey = "sizebytes";
    private const string AccuracyKey = "checkaccuracy";
    private const string CreatedKey = "createdutc";

    private readonly BlobContainerClient _container;
    private readonly TimeProvider _time;
    private Task? _created;

    public BlobModelStore(BlobContainerClient container, int keepVersions, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(container);
        ArgumentOutOfRangeException.ThrowIfLessThan(keepVersions, 1);
        _container = container;
        KeepVersions = keepVersions;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>The container's name.</summary>
    public string ContainerName => _container.Name;

    public int KeepVersions { get; }

    /// <summary>The blob holding a version (tests use it to damage a version on purpose).</summary>
    public BlobClient Blob(string name, int version) => _container.GetBlobClient(BlobName(name, version));

    public async Task<StoredModel> SaveAsync(string name, ReadOnlyMemory<byte> content, double checkAccuracy, CancellationToken cancellationToken)
    {
        CheckName(name);
        await EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
        var sha256 = Convert.ToHexStringLower(SHA256.HashData(content.Span));
        var versions = await VersionsAsync(name, cancellationToken).ConfigureAwait(false);
        var version = versions.Count == 0 ? 1 : versions[^1] + 1;
        for (var attempt = 0; attempt < MaxAttempts; attempt++, version++)
        {
            var record = new StoredModel(name, version, _time.GetUtcNow(), sha256, checkAccuracy, content.Length);
            var options = new BlobUploadOptions
            {
                Metadata = Metadata(record),
                HttpHeaders = new BlobHttpHeaders { ContentType = "application/octet-stream" },
                Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All },
            };
            try
            {
                await _container.GetBlobClient(BlobName(name, version)).UploadAsync(new BinaryData(content), options, cancellationToken).ConfigureAwait(false);
            }
            catch (RequestFailedException e) when (e.Status is 409 or 412)
            {
                // Another writer stored this number first: try the next.
                continue;
            }

            await PruneAsync(name, cancellationToken).ConfigureAwait(false);
            return record;
        }

        throw new IOException($"Model store container {ContainerName}: no free version number for '{name}' after {MaxAttempts} tries (other writers took them).");
    }

    public async Task<byte[]> LoadAsync(string name, int version, CancellationToken cancellationToken)
    {
        CheckName(name);
        BlobDownloadResult download;
        try
        {
            download = (await Blob(name, version).DownloadContentAsync(cancellationToken).ConfigureAwait(false)).Value;
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            throw new ModelStoreException(name, version, ModelStoreFailure.UnknownVersion, "no such version is stored", e);
        }

        var record = Record(name, version, download.Details.Metadata)
            ?? throw new ModelStoreException(name, version, ModelStoreFailure.Corrupt, $"blob {BlobName(name, version)} has no valid version metadata");
        var content = download.Content.ToArray();
        if (content.Length != record.SizeBytes)
        {
            throw new ModelStoreException(
                name, version, ModelStoreFailure.Corrupt, $"blob {BlobName(name, version)} has {content.Length} bytes, its metadata says {record.SizeBytes}");
        }

        var actual = Convert.ToHexStringLower(SHA256.HashData(content));
        if (!string.Equals(actual, record.Sha256, StringComparison.Ordinal))
        {
            throw new ModelStoreException(
                name, version, ModelStoreFailure.Corrupt, $"sha256 of blob {BlobName(name, version)} is {actual}, its metadata says {record.Sha256}");
        }

        return content;
    }

    public async Task<IReadOnlyList<StoredModel>> ListAsync(string name, CancellationToken cancellationToken)
    {
        CheckName(name);
        var records = new List<StoredModel>();
        try
        {
            await foreach (var blob in _container.GetBlobsAsync(new GetBlobsOptions { Prefix = name + "/", Traits = BlobTraits.Metadata }, cancellationToken).ConfigureAwait(false))
            {
                // A blob without valid metadata is not listed; loading that version reports why.
                if (ParseVersion(name, blob.Name) is { } version && Record(name, version, blob.Metadata) is { } record)
                {
                    records.Add(record);
                }
            }
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return []; // no container yet: nothing stored
        }

        records.Sort((a, b) => a.Version.CompareTo(b.Version));
        return records;
    }

    private async Task<List<int>> VersionsAsync(string name, CancellationToken cancellationToken)
    {
        var versions = new List<int>();
        await foreach (var blob in _container.GetBlobsAsync(new GetBlobsOptions { Prefix = name + "/" }, cancellationToken).ConfigureAwait(false))
        {
            if (ParseVersion(name, blob.Name) is { } version)
            {
                versions.Add(version);
            }
        }

        versions.Sort();
        return versions;
    }

    private async Task PruneAsync(string name, CancellationToken cancellationToken)
    {
        var versions = await VersionsAsync(name, cancellationToken).ConfigureAwait(false);
        for (var i = 0; i < versions.Count - KeepVersions; i++)
        {
            // Two writers may prune at once: deleting what is already gone is fine.
            await Blob(name, versions[i]).DeleteIfExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        }
    }

    private Task EnsureCreatedAsync(CancellationToken cancellationToken)
    {
        var created = Volatile.Read(ref _created);
        if (created is { IsCompletedSuccessfully: true })
        {
            return Task.CompletedTask;
        }

        if (created is null || created.IsFaulted || created.IsCanceled)
        {
            created = _container.CreateIfNotExistsAsync(cancellationToken: CancellationToken.None);
            Volatile.Write(ref _created, created);
        }

        return created.WaitAsync(cancellationToken);
    }

    private static Dictionary<string, string> Metadata(StoredModel record) => new(StringComparer.OrdinalIgnoreCase)
    {
        [Sha256Key] = record.Sha256,
        [SizeKey] = record.SizeBytes.ToString(CultureInfo.InvariantCulture),
        [AccuracyKey] = record.CheckAccuracy.ToString("R", CultureInfo.InvariantCulture),
        [CreatedKey] = record.CreatedUtc.ToString("O", CultureInfo.InvariantCulture),
    };

    /// <summary>The version's record from blob metadata, or null when the metadata is missing or malformed.</summary>
    private static StoredModel? Record(string name, int version, IDictionary<string, string>? metadata)
    {
        if (metadata is null)
        {
            return null;
        }

        var values = new Dictionary<string, string>(metadata, StringComparer.OrdinalIgnoreCase);
        if (!values.TryGetValue(Sha256Key, out var sha256) || sha256.Length != 64
            || !values.TryGetValue(SizeKey, out var size) || !long.TryParse(size, NumberStyles.None, CultureInfo.InvariantCulture, out var sizeBytes)
            || !values.TryGetValue(AccuracyKey, out var accuracy) || !double.TryParse(accuracy, NumberStyles.Float, CultureInfo.InvariantCulture, out var checkAccuracy)
            || !values.TryGetValue(CreatedKey, out var created)
            || !DateTimeOffset.TryParse(created, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var createdUtc))
        {
            return null;
        }

        return new StoredModel(name, version, createdUtc, sha256, checkAccuracy, sizeBytes);
    }

    private static int? ParseVersion(string name, string blobName)
    {
        // {name}/v000001.bin
        var stem = blobName.AsSpan(name.Length + 1);
        return stem.Length > 5 && stem[0] == 'v' && stem.EndsWith(".bin", StringComparison.Ordinal)
            && int.TryParse(stem[1..^4], NumberStyles.None, CultureInfo.InvariantCulture, out var version) && version > 0
            ? version
            : null;
    }

    private static string BlobName(string name, int version) => $"{name}/v{version.ToString("D6", CultureInfo.InvariantCulture)}.bin";

    /// <summary>Series names are single path segments of letters, digits, '.', '-' and '_' (e.g. <c>fashion-mnist.small</c>).</summary>
    private static void CheckName(string name)
    {
        if (string.IsNullOrWhiteSpace(name) || name.Length > 200 || name.StartsWith('.')
            || name.AsSpan().IndexOfAnyExcept(NameCharacters) >= 0)
        {
            throw new ArgumentException($"'{name}' is not a valid model series name.", nameof(name));
        }
    }
}
