using Kcm.Core.Models;
using Kcm.Grains.Storage;

namespace Kcm.Grains.Small;

/// <summary>Owns the serving small model: answers with the current version and swaps versions atomically.</summary>
public interface ISmallModelGrain
{
    /// <summary>The version serving now (one atomic read); requests take it once and use it throughout.</summary>
    ValueTask<SmallModelVersion> GetCurrentAsync();

    /// <summary>Writes logits for a batch on the current version and returns the version that produced them.</summary>
    ValueTask<SmallModelVersion> LogitsAsync(ReadOnlyMemory<float> inputs, int batchSize, Memory<float> logits, CancellationToken cancellationToken);

    /// <summary>Stores <paramref name="model"/> as a new version, reloads it from the store (verified) and makes it current.</summary>
    Task<SmallModelVersion> PublishAsync(IClassifier model, double checkAccuracy, CancellationToken cancellationToken);

    /// <summary>Loads a stored version (verified) and makes it current; the current version stays when the load fails.</summary>
    Task<SmallModelVersion> ActivateAsync(int version, CancellationToken cancellationToken);

    /// <summary>Makes <paramref name="version"/> current, or by default the newest stored version older than the current one.</summary>
    Task<RollbackResult> RollbackAsync(int? version, CancellationToken cancellationToken);

    /// <summary>The stored versions, oldest first.</summary>
    Task<IReadOnlyList<StoredModel>> ListVersionsAsync(CancellationToken cancellationToken);
}
