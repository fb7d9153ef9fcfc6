using System.Globalization;
using Kcm.Abstractions.Registry;
using Kcm.Grains.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Utilities;

namespace Kcm.Grains.Registry;

/// <summary>
/// The serving version of one model (key: model name): small model, judge and threshold published as one numbered
/// version, with a bounded history for rollback; only references to model store versions live here. State goes through
/// the grain-storage provider <see cref="ServingStorage.Name"/>. Every change is written first, then told to the
/// subscribed silos one-way, so the registry never waits on silos in its turn; silos that miss it catch up by polling.
/// A failed write re-reads the stored state (the grain stays as stored) and rethrows.
/// </summary>
public sealed class ModelRegistryGrain : Grain, IModelRegistryGrain
{
    private readonly IPersistentState<RegistryState> _state;
    private readonly ServingOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ObserverManager<IServingVersionObserver> _observers;

    public ModelRegistryGrain(
        [PersistentState("registry", ServingStorage.Name)] IPersistentState<RegistryState> state,
        ServingOptions options,
        TimeProvider time,
        ILogger<ModelRegistryGrain> logger)
    {
        _state = state;
        _options = options;
        _time = time;
        _logger = logger;
        // A silo renews its subscription on every poll; one silent for three ResubscribeSeconds periods (gone) is dropped.
        _observers = new ObserverManager<IServingVersionObserver>(TimeSpan.FromSeconds(options.ResubscribeSeconds * 3), logger)
        {
            GetDateTime = () => time.GetUtcNow().UtcDateTime,
        };
    }

    private ServingVersion? Current => _state.State.History.Count == 0 ? null : _state.State.History[^1];

    public Task<ServingVersion?> GetCurrentAsync() => Task.FromResult(Current);

    public Task<ServingVersion[]> GetHistoryAsync() => Task.FromResult(_state.State.History.ToArray());

    public Task<ServingVersion> PublishAsync(ServingProposal proposal)
    {
        Check(proposal);
        return AppendAsync(proposal.Small, proposal.Judge, proposal.Threshold, proposal.CalibratedLargeShare, proposal.Score, proposal.Reason);
    }

    public Task<ServingVersion> SeedAsync(ServingProposal proposal)
    {
        Check(proposal);
        return Current is { } current
            ? Task.FromResult(current)
            : AppendAsync(proposal.Small, proposal.Judge, proposal.Threshold, proposal.CalibratedLargeShare, proposal.Score, proposal.Reason);
    }

    public Task<ServingVersion> RollbackAsync(int? version)
    {
        var current = Current ?? throw new InvalidOperationException($"Model '{this.GetPrimaryKeyString()}' has no serving version to roll back.");
        var history = _state.State.History;
        ServingVersion target;
        if (version is { } wanted)
        {
            target = history.Find(v => v.Version == wanted)
                ?? throw new ArgumentException(
                    $"Serving version {wanted} is not kept; kept: {string.Join(", ", history.Select(v => v.Version))}.", nameof(version));
            if (wanted == current.Version)
            {
                throw new ArgumentException($"Serving version {wanted} is already current.", nameof(version));
            }
        }
        else
        {
            target = history.Count >= 2
                ? history[^2]
                : throw new InvalidOperationException($"Model '{this.GetPrimaryKeyString()}' keeps no version before the current {current.Version}.");
        }

        // A rollback is a new version serving the old weights and threshold: numbers only grow, so every silo swaps.
        return AppendAsync(
            target.Small, target.Judge, target.Threshold, target.CalibratedLargeShare, target.Score, string.Create(CultureInfo.InvariantCulture, $"rollback to version {target.Version}"));
    }

    public Task<ServingVersion> SetThresholdAsync(double threshold)
    {
        CheckThreshold(threshold);
        var current = Current ?? throw new InvalidOperationException($"Model '{this.GetPrimaryKeyString()}' has no serving version to change the threshold of.");
        // Set by hand: not calibrated, so distillation rounds keep it instead of re-calibrating; compared with the same score.
        return AppendAsync(current.Small, current.Judge, threshold, null, current.Score, string.Create(CultureInfo.InvariantCulture, $"threshold {current.Threshold} -> {threshold}"));
    }

    public Task SubscribeAsync(IServingVersionObserver observer)
    {
        ArgumentNullException.ThrowIfNull(observer);
        _observers.Subscribe(observer, observer);
        return Task.CompletedTask;
    }

    public Task UnsubscribeAsync(IServingVersionObserver observer)
    {
        ArgumentNullException.ThrowIfNull(observer);
        _observers.Unsubscribe(observer);
        return Task.CompletedTask;
    }

    private async Task<ServingVersion> AppendAsync(StoredWeights small, StoredWeights judge, double threshold, double? calibratedLargeShare, RoutingScore score, string reason)
    {
        var state = _state.State;
        var next = new ServingVersion(state.LastVersion + 1, small, judge, threshold, _time.GetUtcNow(), reason)
        {
            CalibratedLargeShare = calibratedLargeShare, Score = score,
        };
        state.History.Add(next);
        if (state.History.Count > _options.HistoryLength)
        {
            state.History.RemoveRange(0, state.History.Count - _options.HistoryLength);
        }

        state.LastVersion = next.Version;
        try
        {
            await _state.WriteStateAsync();
        }
        catch (Exception e)
        {
            _logger.LogError(e, "Writing serving version {Version} of {Model} failed; re-reading the stored state.", next.Version, this.GetPrimaryKeyString());
            await _state.ReadStateAsync();
            throw;
        }

        _logger.LogInformation(
            "Model {Model} serving version {Version}: small {Small}, judge {Judge}, threshold {Threshold} on {Score}, calibrated large share {CalibratedLargeShare} ({Reason}).",
            this.GetPrimaryKeyString(), next.Version, small.Version, judge.Version, threshold, score, calibratedLargeShare?.ToString("F4", CultureInfo.InvariantCulture) ?? "none (set by hand)", reason);
        // One-way calls: queued to each silo and never awaited here.
        _observers.Notify(observer => { _ = observer.OnPublishedAsync(next); });
        return next;
    }

    private static void Check(ServingProposal proposal)
    {
        ArgumentNullException.ThrowIfNull(proposal);
        CheckWeights(proposal.Small, nameof(proposal.Small));
        CheckWeights(proposal.Judge, nameof(proposal.Judge));
        CheckThreshold(proposal.Threshold);
        if (proposal.CalibratedLargeShare is { } share && !(share is >= 0 and <= 1))
        {
            throw new ArgumentException($"The proposal's calibrated large share must be in [0, 1] (was {share}).", nameof(proposal));
        }

        if (!Enum.IsDefined(proposal.Score))
        {
            throw new ArgumentException($"The proposal's routing score {proposal.Score} is not one this silo knows.", nameof(proposal));
        }
    }

    private static void CheckWeights(StoredWeights? weights, string which)
    {
        if (weights is null || string.IsNullOrWhiteSpace(weights.Series) || weights.Version < 1 || weights.Sha256 is not { Length: 64 })
        {
            throw new ArgumentException($"The proposal's {which} weights must name a series, a version from 1 and a hex SHA-256 (was {weights}).", "proposal");
        }
    }

    private static void CheckThreshold(double threshold)
    {
        if (!(threshold is > 0 and < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(threshold), threshold, "The threshold must be strictly between 0 and 1.");
        }
    }
}
