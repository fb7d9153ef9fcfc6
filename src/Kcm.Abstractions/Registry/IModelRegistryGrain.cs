using Kcm.Abstractions.Security;
using Orleans.CodeGeneration;

namespace Kcm.Abstractions.Registry;

/// <summary>
/// The serving version of one model (key: model name): the small model, judge and threshold published as one triple,
/// with a bounded history for activation and rollback. Weights stay in the model store; only references live here.
/// </summary>
[Alias("kcm.registry"), Version(1)]
public interface IModelRegistryGrain : IGrainWithStringKey
{
    /// <summary>The version serving now, or null before the first publish.</summary>
    [Alias("current")]
    Task<ServingVersion?> GetCurrentAsync();

    /// <summary>The kept versions, oldest first.</summary>
    [Alias("history")]
    Task<ServingVersion[]> GetHistoryAsync();

    /// <summary>Makes <paramref name="proposal"/> the next serving version and tells every subscribed silo.</summary>
    [Alias("publish"), AdminCall]
    Task<ServingVersion> PublishAsync(ServingProposal proposal);

    /// <summary>
    /// Publishes <paramref name="proposal"/> as the first serving version only when none exists; otherwise changes
    /// nothing. Returns the current version either way (the first start of several silos publishes once).
    /// </summary>
    [Alias("seed"), AdminCall]
    Task<ServingVersion> SeedAsync(ServingProposal proposal);

    /// <summary>Serves again the kept version <paramref name="version"/>, or by default the one before the current.</summary>
    [Alias("rollback"), AdminCall]
    Task<ServingVersion> RollbackAsync(int? version);

    /// <summary>Publishes the current small model and judge with a new threshold in (0, 1).</summary>
    [Alias("threshold"), AdminCall]
    Task<ServingVersion> SetThresholdAsync(double threshold);

    /// <summary>Tells <paramref name="observer"/> of every publish until it unsubscribes or its subscription expires.</summary>
    [Alias("subscribe")]
    Task SubscribeAsync(IServingVersionObserver observer);

    /// <summary>Stops telling <paramref name="observer"/> of publishes.</summary>
    [Alias("unsubscribe")]
    Task UnsubscribeAsync(IServingVersionObserver observer);
}
