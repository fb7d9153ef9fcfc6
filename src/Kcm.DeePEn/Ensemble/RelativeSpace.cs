using Kcm.DeePEn.Fusion;

namespace Kcm.DeePEn.Ensemble;

/// <summary>
/// The anchors shared by an ensemble's vocabularies and each member's relative representation over them: built in
/// memory (<see cref="Build"/>), or mapped from cache files (<see cref="LoadOrBuild"/>), which then also holds the
/// sparse form. A mapped space owns its mappings: dispose it after the last decoding stream that uses it.
/// </summary>
public sealed class RelativeSpace : IDisposable
{
    private readonly RelativeRepresentation[]? _inMemory;
    private readonly IRelativeMatrix[]? _mappedSparse;

    private RelativeSpace(AnchorSet anchors, RelativeRepresentation[] relatives)
    {
        Anchors = anchors;
        Relatives = relatives;
        _inMemory = relatives;
        CacheFiles = [];
    }

    private RelativeSpace(AnchorSet anchors, IRelativeMatrix[] dense, IRelativeMatrix[] sparse, int sparseAnchorsPerRow, RelativeCacheFile[] cacheFiles)
    {
        Anchors = anchors;
        Relatives = dense;
        _mappedSparse = sparse;
        MappedSparseAnchorsPerRow = sparseAnchorsPerRow;
        CacheFiles = cacheFiles;
    }

    public AnchorSet Anchors { get; }

    /// <summary>R_i per member, in the members' order (in memory, or mapped when <see cref="IsMapped"/>).</summary>
    public IReadOnlyList<IRelativeMatrix> Relatives { get; }

    /// <summary>Whether the matrices are memory-mapped cache files (their bytes are then in the page cache, not the managed heap).</summary>
    public bool IsMapped => _inMemory is null;

    /// <summary>m of the mapped sparse matrices; 0 for a space built in memory.</summary>
    public int MappedSparseAnchorsPerRow { get; }

    /// <summary>What <see cref="LoadOrBuild"/> found for each cache file (empty for a space built in memory).</summary>
    public IReadOnlyList<RelativeCacheFile> CacheFiles { get; }

    /// <summary>Bytes of all dense relative matrices (for a mapped space, the mapped files' bytes).</summary>
    public long Bytes => Relatives.Sum(r => r.Bytes);

    /// <summary>Each member's R kept to its top-m anchors per row (<see cref="SparseRelativeRepresentation.FromDense"/>); in-memory spaces only.</summary>
    /// <exception cref="InvalidOperationException">The space is mapped: use <see cref="SparseRelatives"/>.</exception>
    public SparseRelativeRepresentation[] Sparse(int anchorsPerRow = SparseRelativeRepresentation.DefaultAnchorsPerRow) => _inMemory is { } dense
        ? [.. dense.Select(r => SparseRelativeRepresentation.FromDense(r, anchorsPerRow))]
        : throw new InvalidOperationException("This relative space is memory-mapped: its sparse matrices come from SparseRelatives.");

    /// <summary>
    /// The sparse matrices with m = <paramref name="anchorsPerRow"/>: the mapped ones of a mapped space (which must have
    /// been loaded with that m), or built from the dense ones of an in-memory space.
    /// </summary>
    public IReadOnlyList<IRelativeMatrix> SparseRelatives(int anchorsPerRow = SparseRelativeRepresentation.DefaultAnchorsPerRow)
    {
        if (_mappedSparse is null)
        {
            return Sparse(anchorsPerRow);
        }

        // LoadOrBuild keeps at most every anchor, as FromDense does.
        return Math.Min(anchorsPerRow, Anchors.Count) == MappedSparseAnchorsPerRow
            ? _mappedSparse
            : throw new InvalidOperationException($"This relative space mapped sparse matrices with m = {MappedSparseAnchorsPerRow}, not {anchorsPerRow}: load it with that m.");
    }

    public static RelativeSpace Build(IReadOnlyList<EnsembleMember> members, int maxDegreeOfParallelism = -1)
    {
        ArgumentNullException.ThrowIfNull(members);
        var anchors = AnchorSet.Build([.. members.Select(m => m.Tokenizer)]);
        var relatives = new RelativeRepresentation[members.Count];
        for (var i = 0; i < members.Count; i++)
        {
            relatives[i] = RelativeRepresentation.Build(members[i].Embeddings, anchors.TokenIds[i], maxDegreeOfParallelism: maxDegreeOfParallelism);
        }

        return new RelativeSpace(anchors, relatives);
    }

    /// <summary>
    /// Maps each member's dense and sparse (m = <paramref name="sparseAnchorsPerRow"/>) matrices from
    /// <paramref name="cacheDirectory"/>; a file that is missing, stale (its key does not match this member's
    /// embeddings, anchors and scale) or corrupt (short, bad magic, other version or shape) is rebuilt, rewritten
    /// atomically and then mapped. <see cref="CacheFiles"/> says which files were rebuilt and why.
    /// </summary>
    public static RelativeSpace LoadOrBuild(
        IReadOnlyList<EnsembleMember> members,
        string cacheDirectory,
        int sparseAnchorsPerRow = SparseRelativeRepresentation.DefaultAnchorsPerRow,
        int maxDegreeOfParallelism = -1)
    {
        ArgumentNullException.ThrowIfNull(members);
        ArgumentException.ThrowIfNullOrEmpty(cacheDirectory);
        ArgumentOutOfRangeException.ThrowIfLessThan(sparseAnchorsPerRow, 1);
        const float scale = RelativeRepresentation.DefaultScale;
        var anchors = AnchorSet.Build([.. members.Select(m => m.Tokenizer)]);
        var m = Math.Min(sparseAnchorsPerRow, anchors.Count);
        var dense = new IRelativeMatrix[members.Count];
        var sparse = new IRelativeMatrix[members.Count];
        var files = new List<RelativeCacheFile>(2 * members.Count);
        try
        {
            for (var i = 0; i < members.Count; i++)
            {
                var key = RelativeMatrixFile.Key(members[i].Embeddings, anchors.TokenIds[i], scale);
                var stem = Path.Combine(cacheDirectory, $"{i}-{FileSafe(members[i].Name)}");
                var densePath = stem + ".dense" + RelativeMatrixFile.Extension;
                var sparsePath = stem + $".sparse-m{m}" + RelativeMatrixFile.Extension;
                var denseProblem = TryOpen(densePath, RelativeMatrixKind.Dense, key, m, out dense[i]);
                var sparseProblem = TryOpen(sparsePath, RelativeMatrixKind.Sparse, key, m, out sparse[i]);
                if (denseProblem is not null || sparseProblem is not null)
                {
                    var built = RelativeRepresentation.Build(members[i].Embeddings, anchors.TokenIds[i], scale, maxDegreeOfParallelism);
                    if (denseProblem is not null)
                    {
                        RelativeMatrixFile.WriteDense(densePath, built, key, scale);
                        dense[i] = RelativeMatrixFile.Open(densePath, RelativeMatrixKind.Dense, key);
                    }

                    if (sparseProblem is not null)
                    {
                        RelativeMatrixFile.WriteSparse(sparsePath, SparseRelativeRepresentation.FromDense(built, m), key, scale);
                        sparse[i] = RelativeMatrixFile.Open(sparsePath, RelativeMatrixKind.Sparse, key, m);
                    }
                }

                files.Add(new RelativeCacheFile(densePath, RelativeMatrixKind.Dense, denseProblem));
                files.Add(new RelativeCacheFile(sparsePath, RelativeMatrixKind.Sparse, sparseProblem));
            }
        }
        catch
        {
            DisposeAll(dense);
            DisposeAll(sparse);
            throw;
        }

        return new RelativeSpace(anchors, dense!, sparse!, m, [.. files]);
    }

    /// <summary>Releases the mappings of a mapped space (nothing to do for one built in memory).</summary>
    public void Dispose()
    {
        DisposeAll(Relatives);
        if (_mappedSparse is not null)
        {
            DisposeAll(_mappedSparse);
        }
    }

    private static string? TryOpen(string path, RelativeMatrixKind kind, byte[] key, int m, out IRelativeMatrix matrix)
    {
        try
        {
            matrix = RelativeMatrixFile.Open(path, kind, key, m);
            return null;
        }
        catch (RelativeMatrixFileException e)
        {
            matrix = null!;
            return e.Problem;
        }
    }

    private static void DisposeAll(IEnumerable<IRelativeMatrix?> matrices)
    {
        foreach (var matrix in matrices)
        {
            (matrix as IDisposable)?.Dispose();
        }
    }

    private static string FileSafe(string name)
    {
        var invalid = Path.GetInvalidFileNameChars();
        return string.Concat(name.Select(c => invalid.Contains(c) || c == '.' ? '_' : c));
    }
}
