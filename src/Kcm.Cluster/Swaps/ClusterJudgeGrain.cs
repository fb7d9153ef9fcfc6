using Kcm.Core.Models;
using Kcm.Grains.Judge;
using Microsoft.Extensions.Logging;

namespace Kcm.Cluster.Swaps;

/// <summary>
/// A node's judge in cluster mode: a judge version distilled here is announced to every node, and every announcement
/// received is checked against the shared store and swapped in, so all fronts route with the same judge. The
/// threshold stays per node (set through each node's admin API).
/// </summary>
public sealed class ClusterJudgeGrain : IJudgeGrain
{
    private readonly JudgeGrain _inner;
    private readonly JudgeStorage _storage;
    private readonly ModelSwapFabric _fabric;
    private readonly string _nodeId;
    private readonly ILogger _logger;

    public ClusterJudgeGrain(JudgeGrain inner, JudgeStorage storage, ModelSwapFabric fabric, string nodeId, ILogger<ClusterJudgeGrain> logger)
    {
        _inner = inner;
        _storage = storage;
        _fabric = fabric;
        _nodeId = nodeId;
        _logger = logger;
        fabric.Listen(announcement => ApplyAsync(announcement, CancellationToken.None));
    }

    public int InputSize => _inner.InputSize;

    public int ClassCount => _inner.ClassCount;

    public JudgeVersion Current => _inner.Current;

    /// <summary>Switches to the judge version last announced in the cluster, when there is one.</summary>
    public async Task LoadCurrentAsync(CancellationToken cancellationToken)
    {
        if (await _fabric.ReadCurrentAsync(cancellationToken).ConfigureAwait(false) is { } current)
        {
            await ApplyAsync(current, cancellationToken).ConfigureAwait(false);
        }
    }

    public ValueTask ScoreAsync(ReadOnlyMemory<float> inputs, int batchSize, Memory<float> probabilities, Memory<float> confidences, CancellationToken cancellationToken) =>
        _inner.ScoreAsync(inputs, batchSize, probabilities, confidences, cancellationToken);

    public ValueTask<double> GetThresholdAsync() => _inner.GetThresholdAsync();

    public Task<double> SetThresholdAsync(double epsilon, CancellationToken cancellationToken) => _inner.SetThresholdAsync(epsilon, cancellationToken);

    public async Task<JudgeVersion> PublishAsync(IClassifier candidate, double checkAccuracy, CancellationToken cancellationToken)
    {
        var published = await _inner.PublishAsync(candidate, checkAccuracy, cancellationToken).ConfigureAwait(false);
        var sha = await AnnouncedVersion.Sha256Async(_storage.Store, _storage.Series, published.Version, cancellationToken).ConfigureAwait(false);
        await _fabric.AnnounceAsync(new ModelSwapAnnouncement(_storage.Series, published.Version, sha, _nodeId), cancellationToken).ConfigureAwait(false);
        return published;
    }

    private async Task ApplyAsync(ModelSwapAnnouncement announcement, CancellationToken cancellationToken)
    {
        if (_inner.Current.Version == announcement.Version)
        {
            return;
        }

        await AnnouncedVersion.VerifyAsync(_storage.Store, announcement, cancellationToken).ConfigureAwait(false);
        var swapped = await _inner.ActivateAsync(announcement.Version, cancellationToken).ConfigureAwait(false);
        _logger.LogInformation("Swapped to judge {Series} version {Version} announced by {Node}.", _storage.Series, swapped.Version, announcement.Node);
    }
}
