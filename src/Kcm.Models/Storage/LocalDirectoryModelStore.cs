using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;

namespace Kcm.Models.Storage;

/// <summary>
/// A model store in a local folder: <c>{root}/{name}/v000001.bin</c> holds the bytes and <c>v000001.json</c> their
/// record. Both are written atomically (temporary file, fsync, rename), the record last, so a version exists only once
/// it is complete. Loads recompute the SHA-256 and refuse a mismatch. Only the newest <see cref="KeepVersions"/> are kept.
/// Writers to one folder within a process (several silos of a test cluster) share one write lock, so version numbers
/// never collide; across processes only one writer (the distiller) may write a series.
/// </summary>
public sealed class LocalDirectoryModelStore : IModelStore
{
    private static readonly ConcurrentDictionary<string, SemaphoreSlim> WriteLocks = new(StringComparer.Ordinal);

    private readonly SemaphoreSlim _writeLock;
    private readonly TimeProvider _time;

    public LocalDirectoryModelStore(string root, int keepVersions, TimeProvider? time = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(root);
        ArgumentOutOfRangeException.ThrowIfLessThan(keepVersions, 1);
        Root = Path.GetFullPath(root);
        KeepVersions = keepVersions;
        _time = time ?? TimeProvider.System;
        _writeLock = WriteLocks.GetOrAdd(Root, _ => new SemaphoreSlim(1, 1));
        Directory.CreateDirectory(Root);
    }

    public string Root { get; }

    public int KeepVersions { get; }

    /// <summary>The path of a version's bytes (tests use it to damage a file on purpose).</summary>
    public string ContentPath(string name, int version) => Path.Combine(SeriesFolder(name), FileStem(version) + ".bin");

    public async Task<StoredModel> SaveAsync(string name, ReadOnlyMemory<byte> content, double checkAccuracy, CancellationToken cancellationToken)
    {
        var folder = SeriesFolder(name);
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            Directory.CreateDirectory(folder);
            var versions = StoredVersions(folder);
            var version = versions.Count == 0 ? 1 : versions[^1] + 1;
            var record = new StoredModel(
                name, version, _time.GetUtcNow(), Convert.ToHexStringLower(SHA256.HashData(content.Span)), checkAccuracy, content.Length);
            await AtomicFile.WriteAsync(ContentPath(name, version), content, cancellationToken).ConfigureAwait(false);
            var json = JsonSerializer.SerializeToUtf8Bytes(record, ModelStoreJsonContext.Default.StoredModel);
            await AtomicFile.WriteAsync(RecordPath(name, version), json, cancellationToken).ConfigureAwait(false);
            Prune(name, [.. versions, version]);
            return record;
        }
        finally
        {
            _writeLock.Release();
        }
    }

    public async Task<byte[]> LoadAsync(string name, int version, CancellationToken cancellationToken)
    {
        var record = await ReadRecordAsync(name, version, cancellationToken).ConfigureAwait(false);
        byte[] content;
        try
        {
            content = await File.ReadAllBytesAsync(ContentPath(name, version), cancellationToken).ConfigureAwait(false);
        }
        catch (FileNotFoundException e)
        {
            throw new ModelStoreException(name, version, ModelStoreFailure.Corrupt, $"content file {ContentPath(name, version)} is missing", e);
        }

        if (content.Length != record.SizeBytes)
        {
            throw new ModelStoreException(
                name, version, ModelStoreFailure.Corrupt, $"{ContentPath(name, version)} has {content.Length} bytes, the record says {record.SizeBytes}");
        }

        var actual = Convert.ToHexStringLower(SHA256.HashData(content));
        if (!string.Equals(actual, record.Sha256, StringComparison.Ordinal))
        {
            throw new ModelStoreException(
                name, version, ModelStoreFailure.Corrupt, $"sha256 of {ContentPath(name, version)} is {actual}, the record says {record.Sha256}");
        }

        return content;
    }

    public async Task<IReadOnlyList<StoredModel>> ListAsync(string name, CancellationToken cancellationToken)
    {
        var folder = SeriesFolder(name);
        if (!Directory.Exists(folder))
        {
            return [];
        }

        var records = new List<StoredModel>();
        foreach (var version in StoredVersions(folder))
        {
            try
            {
                records.Add(await ReadRecordAsync(name, version, cancellationToken).ConfigureAwait(false));
            }
            catch (ModelStoreException)
            {
                // An unreadable record is not listed; loading that version reports why.
            }
        }

        return records;
    }

    private async Task<StoredModel> ReadRecordAsync(string name, int version, CancellationToken cancellationToken)
    {
        var path = RecordPath(name, version);
        if (!File.Exists(path))
        {
            throw new ModelStoreException(name, version, ModelStoreFailure.UnknownVersion, "no such version is stored");
        }

        try
        {
            var json = await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false);
            var record = JsonSerializer.Deserialize(json, ModelStoreJsonContext.Default.StoredModel);
            if (record is null || record.Version != version || record.Name != name || string.IsNullOrEmpty(record.Sha256))
            {
                throw new ModelStoreException(name, version, ModelStoreFailure.Corrupt, $"record {path} does not describe this version");
            }

            return record;
        }
        catch (JsonException e)
        {
            throw new ModelStoreException(name, version, ModelStoreFailure.Corrupt, $"record {path} is not valid JSON: {e.Message}", e);
        }
    }

    private void Prune(string name, List<int> versions)
    {
        for (var i = 0; i < versions.Count - KeepVersions; i++)
        {
            // The record goes first: without it the version no longer exists, even if deleting the bytes fails.
            File.Delete(RecordPath(name, versions[i]));
            File.Delete(ContentPath(name, versions[i]));
        }
    }

    private static List<int> StoredVersions(string folder)
    {
        var versions = new List<int>();
        foreach (var path in Directory.EnumerateFiles(folder, "v*.json"))
        {
            var stem = Path.GetFileNameWithoutExtension(path);
            if (int.TryParse(stem.AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture, out var version) && version > 0)
            {
                versions.Add(version);
            }
        }

        versions.Sort();
        return versions;
    }

    private string SeriesFolder(string name)
    {
        if (string.IsNullOrWhiteSpace(name) || name.AsSpan().IndexOfAny(Path.GetInvalidFileNameChars()) >= 0 || name.StartsWith('.'))
        {
            throw new ArgumentException($"'{name}' is not a valid model series name.", nameof(name));
        }

        return Path.Combine(Root, name);
    }

    private string RecordPath(string name, int version) => Path.Combine(SeriesFolder(name), FileStem(version) + ".json");

    private static string FileStem(int version) => "v" + version.ToString("D6", CultureInfo.InvariantCulture);
}
