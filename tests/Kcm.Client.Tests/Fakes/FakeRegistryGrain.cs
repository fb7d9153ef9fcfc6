using Kcm.Abstractions.Registry;
using Orleans.Concurrency;

namespace Kcm.Client.Tests.Fakes;

/// <summary>A model registry that answers as its test's script says.</summary>
[Reentrant]
public sealed class FakeRegistryGrain : Grain, IModelRegistryGrain
{
    public const string Current = "current";
    public const string History = "history";
    public const string Publish = "publish";
    public const string Rollback = "rollback";
    public const string Threshold = "threshold";
    public const string Seed = "seed";

    private string Key => this.GetPrimaryKeyString();

    public Task<ServingVersion?> GetCurrentAsync() => GrainScripts.RunAsync<ServingVersion?>(Key, Current, null);

    public Task<ServingVersion[]> GetHistoryAsync() => GrainScripts.RunAsync<ServingVersion[]>(Key, History, null);

    public Task<ServingVersion> PublishAsync(ServingProposal proposal) => GrainScripts.RunAsync<ServingVersion>(Key, Publish, proposal);

    public Task<ServingVersion> SeedAsync(ServingProposal proposal) => GrainScripts.RunAsync<ServingVersion>(Key, Seed, proposal);

    public Task<ServingVersion> RollbackAsync(int? version) => GrainScripts.RunAsync<ServingVersion>(Key, Rollback, version);

    public Task<ServingVersion> SetThresholdAsync(double threshold) => GrainScripts.RunAsync<ServingVersion>(Key, Threshold, threshold);

    public Task SubscribeAsync(IServingVersionObserver observer) => Task.CompletedTask;

    public Task UnsubscribeAsync(IServingVersionObserver observer) => Task.CompletedTask;
}
