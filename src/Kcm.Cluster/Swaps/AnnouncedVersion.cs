using Kcm.Grains.Storage;

namespace Kcm.Cluster.Swaps;

/// <summary>Checks an announced version against what this node's model store holds before it is served.</summary>
public static class AnnouncedVersion
{
    /// <summary>Throws <see cref="ModelStoreException"/> when the store lacks the version or holds other bytes (another hash).</summary>
    public static async Task VerifyAsync(IModelStore store, ModelSwapAnnouncement announcement, CancellationToken cancellationToken)
    {
        var stored = await store.ListAsync(announcement.Series, cancellationToken).ConfigureAwait(false);
        StoredModel? record = null;
        foreach (var candidate in stored)
        {
            if (candidate.Version == announcement.Version)
            {
                record = candidate;
            }
        }

        if (record is null)
        {
            throw new ModelStoreException(
                announcement.Series, announcement.Version, ModelStoreFailure.UnknownVersion, $"announced by {announcement.Node} but not in this node's store");
        }

        if (!string.Equals(record.Sha256, announcement.Sha256, StringComparison.Ordinal))
        {
            throw new ModelStoreException(
                announcement.Series, announcement.Version, ModelStoreFailure.Corrupt,
                $"announced by {announcement.Node} with sha256 {announcement.Sha256}, the store holds {record.Sha256}");
        }
    }

    /// <summary>The stored hash of <paramref name="version"/>, for an announcement.</summary>
    public static async Task<string> Sha256Async(IModelStore store, string series, int version, CancellationToken cancellationToken)
    {
        foreach (var record in await store.ListAsync(series, cancellationToken).ConfigureAwait(false))
        {
            if (record.Version == version)
            {
                return record.Sha256;
            }
        }

        throw new ModelStoreException(series, version, ModelStoreFailure.UnknownVersion, "the version was pruned before it could be announced");
    }
}
