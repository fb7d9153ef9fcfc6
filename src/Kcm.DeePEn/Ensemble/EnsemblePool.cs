using Kcm.DeePEn.Fusion;
using Kcm.Onnx;

namespace Kcm.DeePEn.Ensemble;

/// <summary>
/// A loaded ensemble: its members (ONNX sessions, tokenizers), the anchors and the dense and sparse relative
/// matrices, all read-only after loading and shared by every decoding stream. Each stream gets its own
/// <see cref="DeePEnEnsemble"/> (<see cref="CreateDecoder"/>), which owns the per-stream caches and buffers.
/// </summary>
public sealed class EnsemblePool : IDisposable
{
    private readonly IReadOnlyList<IRelativeMatrix> _sparse;
    private readonly float[] _averageWeights;

    private EnsemblePool(EnsembleManifest manifest, EnsembleMember[] members, RelativeSpace space)
    {
        Manifest = manifest;
        Members = members;
        Space = space;
        MainModel = manifest.MainIndex;
        _sparse = space.SparseRelatives(manifest.SparseAnchorsPerRow);
        ExactMainRows = new EmbeddingRelativeRows(members[MainModel].Embeddings, space.Anchors.TokenIds[MainModel]);
        _averageWeights = FusionWeights.Average(members.Length);
    }

    public EnsembleManifest Manifest { get; }

    /// <summary>Why the relative-matrix cache asked for could not be used (the space was built in memory); null otherwise.</summary>
    public string? RelativeCacheProblem { get; private init; }

    public string Name => Manifest.Name;

    public IReadOnlyList<EnsembleMember> Members { get; }

    public RelativeSpace Space { get; }

    public int MainModel { get; }

    public EnsembleMember Main => Members[MainModel];

    /// <summary>The main model's R rows computed from its embeddings, which mode sparse's search uses for its leading tokens.</summary>
    public EmbeddingRelativeRows ExactMainRows { get; }

    /// <summary>Bytes of the dense relative matrices (modes avg, adapt, gated).</summary>
    public long DenseRelativeBytes => Space.Bytes;

    /// <summary>Bytes of the sparse relative matrices and of the exact-row formula's anchor data (mode sparse).</summary>
    public long SparseRelativeBytes => _sparse.Sum(s => s.Bytes) + ExactMainRows.Bytes;

    /// <summary>Whether <paramref name="mode"/> can run (mode "adapt" needs the manifest's adaptive weights).</summary>
    public bool Supports(EnsembleMode mode) => mode != EnsembleMode.Adapt || Manifest.AdaptiveWeights is not null;

    /// <summary>Bytes of the relative matrices <paramref name="mode"/> uses (0 for "main").</summary>
    public long RelativeBytes(EnsembleMode mode) => mode switch
    {
        EnsembleMode.Main => 0,
        EnsembleMode.Sparse => SparseRelativeBytes,
        _ => DenseRelativeBytes,
    };

    /// <summary>
    /// Loads the manifest's members (folders relative to the manifest) and their relative space: built in memory, or,
    /// with <paramref name="relativeCacheRoot"/>, mapped from files in its subfolder named after the ensemble (built and
    /// written once, rebuilt when stale; see <see cref="RelativeSpace.LoadOrBuild"/>). A cache folder that cannot be
    /// written (a read-only file system) costs start-up time, not the load: the space is then built in memory and
    /// <see cref="RelativeCacheProblem"/> says why.
    /// </summary>
    public static EnsemblePool Load(string manifestPath, OnnxSessionOptions? options = null, string? relativeCacheRoot = null)
    {
        var manifest = EnsembleManifest.Read(manifestPath);
        var members = EnsembleMember.LoadAll(manifest.MemberFolders(manifestPath), options);
        try
        {
            if (relativeCacheRoot is null)
            {
                return new EnsemblePool(manifest, [.. members], RelativeSpace.Build(members));
            }

            var cache = Path.Combine(relativeCacheRoot, manifest.Name);
            try
            {
                return new EnsemblePool(manifest, [.. members], RelativeSpace.LoadOrBuild(members, cache, manifest.SparseAnchorsPerRow));
            }
            catch (Exception e) when (e is UnauthorizedAccessException or IOException)
            {
                return new EnsemblePool(manifest, [.. members], RelativeSpace.Build(members)) { RelativeCacheProblem = $"{cache}: {e.Message}" };
            }
        }
        catch
        {
            members.ForEach(m => m.Dispose());
            throw;
        }
    }

    /// <summary>
    /// A pool over members already loaded (in <paramref name="manifest"/>'s member order) and a manifest held in memory,
    /// e.g. one whose main model and adaptive weights were just measured. The pool takes ownership of the members
    /// (<see cref="Dispose"/> disposes them). <paramref name="space"/> is built from the members when null.
    /// </summary>
    public static EnsemblePool Create(EnsembleManifest manifest, IReadOnlyList<EnsembleMember> members, RelativeSpace? space = null)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        ArgumentNullException.ThrowIfNull(members);
        var errors = manifest.Errors();
        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join(" ", errors), nameof(manifest));
        }

        if (members.Count != manifest.Members.Count)
        {
            throw new ArgumentException($"The manifest lists {manifest.Members.Count} members, {members.Count} were given.", nameof(members));
        }

        if (space is not null && space.Relatives.Count != members.Count)
        {
            throw new ArgumentException($"The relative space has {space.Relatives.Count} members, the pool {members.Count}.", nameof(space));
        }

        return new EnsemblePool(manifest, [.. members], space ?? RelativeSpace.Build(members));
    }

    /// <summary>A new decoding stream for <paramref name="mode"/> (not thread-safe; one per concurrent generation).</summary>
    public DeePEnEnsemble CreateDecoder(EnsembleMode mode)
    {
        if (!Supports(mode))
        {
            throw new InvalidOperationException($"Ensemble {Name} has no adaptive weights in its manifest, so mode 'adapt' is unavailable.");
        }

        var m = Manifest;
        return mode switch
        {
            EnsembleMode.Main => DeePEnEnsemble.MainOnly(Members, MainModel),
            EnsembleMode.Avg => new DeePEnEnsemble(Members, Space.Relatives, MainModel, _averageWeights, m.Search),
            EnsembleMode.Adapt => new DeePEnEnsemble(Members, Space.Relatives, MainModel, m.AdaptiveWeights!, m.Search),
            EnsembleMode.Sparse => new DeePEnEnsemble(Members, _sparse, MainModel, _averageWeights, m.Search, m.ProjectionTopTokens, exactMainRows: ExactMainRows),
            EnsembleMode.Gated => new DeePEnEnsemble(Members, Space.Relatives, MainModel, _averageWeights, m.Search, gateThreshold: m.GateThreshold),
            _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, "Unknown ensemble mode."),
        };
    }

    public void Dispose()
    {
        Space.Dispose();
        foreach (var member in Members)
        {
            member.Dispose();
        }
    }
}
