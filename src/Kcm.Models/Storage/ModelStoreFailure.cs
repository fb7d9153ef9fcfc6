namespace Kcm.Models.Storage;

/// <summary>Why a model store refused a load.</summary>
public enum ModelStoreFailure
{
    /// <summary>No such version is stored (never written, or pruned).</summary>
    UnknownVersion,

    /// <summary>The stored bytes or their metadata do not verify (hash mismatch, truncated, unreadable metadata).</summary>
    Corrupt,
}
