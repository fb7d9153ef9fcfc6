namespace Kcm.Metrics;

/// <summary>
/// The series of one metric, found by tag set. Reads are lock-free over an immutable snapshot, so the
/// steady state (tag set already seen) allocates nothing; a new tag set copies the snapshot under a lock.
/// </summary>
internal sealed class SeriesTable<TSeries>(Func<KeyValuePair<string, object?>[], TSeries> create)
    where TSeries : Series
{
    private readonly Lock _gate = new();
    private Dictionary<int, TSeries[]> _byHash = [];
    private TSeries[] _all = [];
    private TSeries? _untagged;

    public TSeries GetOrAdd(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (tags.Length == 0 && Volatile.Read(ref _untagged) is { } untagged)
        {
            return untagged;
        }

        var hash = TagSet.Hash(tags);
        return Find(Volatile.Read(ref _byHash), hash, tags) ?? Add(hash, tags);
    }

    /// <summary>Every series so far, in creation order.</summary>
    public TSeries[] Snapshot() => Volatile.Read(ref _all);

    private static TSeries? Find(Dictionary<int, TSeries[]> byHash, int hash, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (byHash.TryGetValue(hash, out var candidates))
        {
            foreach (var candidate in candidates)
            {
                if (TagSet.Matches(candidate.Tags, tags))
                {
                    return candidate;
                }
            }
        }

        return null;
    }

    private TSeries Add(int hash, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        lock (_gate)
        {
            if (Find(_byHash, hash, tags) is { } raced)
            {
                return raced;
            }

            var series = create(tags.ToArray());
            var byHash = new Dictionary<int, TSeries[]>(_byHash);
            byHash[hash] = byHash.TryGetValue(hash, out var existing) ? [.. existing, series] : [series];
            Volatile.Write(ref _all, [.. _all, series]);
            Volatile.Write(ref _byHash, byHash);
            if (tags.Length == 0)
            {
                Volatile.Write(ref _untagged, series);
            }

            return series;
        }
    }
}
