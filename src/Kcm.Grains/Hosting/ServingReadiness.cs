using Kcm.Abstractions.Registry;

namespace Kcm.Grains.Hosting;

/// <summary>
/// Whether this silo can serve (for the host's <c>/readyz</c>): ready once it holds a serving version and, on a gpu
/// silo, its large model opened and the provider of its ONNX path for the judge and small model checked.
/// <see cref="Failure"/> says why not when loading failed (e.g. the CUDA provider on a machine without a GPU, or
/// weights that do not verify before any version loaded).
/// </summary>
public sealed class ServingReadiness
{
    private ServingVersion? _version;
    private Exception? _loadFailure;
    private Exception? _largeModelFailure;
    private Exception? _classifierFailure;

    /// <summary>True when this silo holds a serving version and nothing it needs failed to load.</summary>
    public bool IsReady => Version is not null && Volatile.Read(ref _largeModelFailure) is null && Volatile.Read(ref _classifierFailure) is null;

    /// <summary>The serving version this silo holds, or null before the first.</summary>
    public ServingVersion? Version => Volatile.Read(ref _version);

    /// <summary>Why the silo is not ready when a load failed (the large model's failure first, then the ONNX path's), else null.</summary>
    public Exception? Failure => Volatile.Read(ref _largeModelFailure) ?? Volatile.Read(ref _classifierFailure) ?? (Version is null ? Volatile.Read(ref _loadFailure) : null);

    /// <summary>Records that <paramref name="version"/> now serves on this silo.</summary>
    public void MarkServing(ServingVersion version)
    {
        Volatile.Write(ref _version, version);
        Volatile.Write(ref _loadFailure, null);
    }

    /// <summary>Records that loading a serving version (or seeding the first) failed.</summary>
    public void MarkLoadFailed(Exception failure) => Volatile.Write(ref _loadFailure, failure);

    /// <summary>Records that the large model could not be opened on this gpu silo: the silo never becomes ready.</summary>
    public void MarkLargeModelFailed(Exception failure) => Volatile.Write(ref _largeModelFailure, failure);

    /// <summary>Records that the judge's or small model's ONNX path cannot run on its provider on this silo: the silo never becomes ready.</summary>
    public void MarkClassifierPathFailed(Exception failure) => Volatile.Write(ref _classifierFailure, failure);
}
