namespace Kcm.Models.Storage;

/// <summary>
/// Versioned storage of model weights. The embedded implementation is a local directory; the distributed mode
/// swaps in a shared store behind this interface.
/// </summary>
public interface IModelStore
{
    /// <summary>Stores <paramref name="content"/> as the next version of <paramref name="name"/> and returns its record.</summary>
    Task<StoredModel> SaveAsync(string name, ReadOnlyMemory<byte> content, double checkAccuracy, CancellationToken cancellationToken);

    /// <summary>Loads one version, verifying its hash; throws <see cref="ModelStoreException"/> when it is missing or corrupt.</summary>
    Task<byte[]> LoadAsync(string name, int version, CancellationToken cancellationToken);

    /// <summary>The versions of <paramref name="name"/> still kept, oldest first.</summary>
    Task<IReadOnlyList<StoredModel>> ListAsync(string name, CancellationToken cancellationToken);
}
