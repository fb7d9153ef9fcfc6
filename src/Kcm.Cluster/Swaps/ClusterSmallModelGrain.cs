using Kcm.Core.Models;
using Kcm.Grains.Small;
using Kcm.Grains.Storage;
using Microsoft.Extensions.Logging;

namespace Kcm.Cluster.Swaps;

/// <summary>
/// A node's small model grain in cluster mode: every version it makes current here (a distilled candidate, an admin
/// activation or rollback) is announced to every node, and every announcement received is loaded from the shared
/// store and swapped in, once its stored hash matches the announced one. Reads go straight to the local grain.
/// </summary>
public sealed class ClusterSmallModelGrain : ISmallModelGrain
{
    private readonly SmallModelGrain _inner;
    private readonly IModelStore _store;
    private readonly ModelSwapFabric _fabric;
    private readonly string _nodeId;
    private readonly ILogger _logger;

    /// <param name="inner">The node's own grain.</param>
    /// <param name="store">The shared store <paramref name="inner"/> reads from.</param>
    /// <param name="fabric">Announcements of <paramref name="inner"/>'s series.</param>
    /// <param name="nodeId">This node, named in its announcements.</param>
    /// <param name="logger">Where swaps are logged.</param>
    public ClusterSmallModelGrain(SmallModelGrain inner, IModelStore store, ModelSwapFabric fabric, string nodeId, ILogger<ClusterSmallModelGrain> logger)
    {
        _inner = inner;
        _store = store;
        _fabric = fabric;
        _nodeId = nodeId;
        _logger = logger;
        fabric.Listen(ApplyAsync);
    }

    /// <summary>
    /// Brings this node to the cluster's current version: the latest announcement if there is one, else the newest
    /// stored version. Returns false when neither exists (the caller publishes an initial model or waits).
    /// </summary>
    public async Task<bool> LoadCurrentAsync(CancellationToken cancellationToken)
    {
        if (await _fabric.ReadCurrentAsync(cancellationToken).ConfigureAwait(false) is { } current)
        {
            await ApplyAsync(current, cancellationToken).ConfigureAwait(false);
            return true;
        }

        return await _inner.TryLoadNewestAsync(cancellationToken).ConfigureAwait(false);
    }

    public ValueTask<SmallModelVersion> GetCurrentAsync() => _inner.GetCurrentAsync();

    public ValueTask<SmallModelVersion> LogitsAsync(ReadOnlyMemory<float> inputs, int batchSize, Memory<float> logits, CancellationToken cancellationToken) =>
        _inner.LogitsAsync(inputs, batchSize, logits, cancellationToken);

    public async Task<SmallModelVersion> PublishAsync(IClassifier model, double checkAccuracy, CancellationToken cancellationToken)
    {
        var version = await _inner.PublishAsync(model, checkAccuracy, cancellationToken).ConfigureAwait(false);
        await AnnounceAsync(version, cancellationToken).ConfigureAwait(false);
        return version;
    }

    public async Task<SmallModelVersion> ActivateAsync(int version, CancellationToken cancellationToken)
    {
        var current = await _inner.ActivateAsync(version, cancellationToken).ConfigureAwait(false);
        await AnnounceAsync(current, cancellationToken).ConfigureAwait(false);
        return current;
    }

    public async Task<RollbackResult> RollbackAsync(int? version, CancellationToken cancellationToken)
    {
        var result = await _inner.RollbackAsync(version, cancellationToken).ConfigureAwait(false);
        await AnnounceAsync(result.Current, cancellationToken).ConfigureAwait(false);
        return result;
    }

    public Task<IReadOnlyList<StoredModel>> ListVersionsAsync(CancellationToken cancellationToken) => _inner.ListVersionsAsync(cancellationToken);

    private Task AnnounceAsync(SmallModelVersion version, CancellationToken cancellationToken) =>
        _fabric.AnnounceAsync(new ModelSwapAnnouncement(_inner.SeriesName, version.Version, version.Sha256, _nodeId), cancellationToken);

    private Task ApplyAsync(ModelSwapAnnouncement announcement) => ApplyAsync(announcement, CancellationToken.None);

    private async Task ApplyAsync(ModelSwapAnnouncement announcement, CancellationToken cancellationToken)
    {
        if (await TryCurrentAsync().ConfigureAwait(false) is { } current && current.Version == announcement.Version && current.Sha256 == announcement.Sha256)
        {
            return;
        }

        // Never serve bytes other than the announced ones: a mismatch keeps the current version and says why.
        await AnnouncedVersion.VerifyAsync(_store, announcement, cancellationToken).ConfigureAwait(false);
        var swapped = await _inner.ActivateAsync(announcement.Version, cancellationToken).ConfigureAwait(false);
        _logger.LogInformation("Swapped to {Series} version {Version} announced by {Node}.", _inner.SeriesName, swapped.Version, announcement.Node);
    }

    private async Task<SmallModelVersion?> TryCurrentAsync()
    {
        try
        {
            return await _inner.GetCurrentAsync().ConfigureAwait(false);
        }
        catch (InvalidOperationException)
        {
            // Nothing loaded yet (start-up).
            return null;
        }
    }
}
