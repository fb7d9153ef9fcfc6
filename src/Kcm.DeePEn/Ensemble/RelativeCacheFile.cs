using Kcm.DeePEn.Fusion;

namespace Kcm.DeePEn.Ensemble;

/// <summary>One cache file <see cref="RelativeSpace.LoadOrBuild"/> looked at: mapped as found, or rebuilt because of <paramref name="RebuildReason"/>.</summary>
/// <param name="Path">The file.</param>
/// <param name="Kind">Dense or sparse.</param>
/// <param name="RebuildReason">Null when the file was valid and mapped as found; otherwise why it was rebuilt (missing, stale key, truncated, ...).</param>
public sealed record RelativeCacheFile(string Path, RelativeMatrixKind Kind, string? RebuildReason)
{
    public bool Rebuilt => RebuildReason is not null;
}
