using Kcm.Abstractions.Registry;

namespace Kcm.Storage.Tests.Grains;

/// <summary>A stand-in for the model registry: publishes serving versions into persisted grain state.</summary>
[Alias("Kcm.Storage.Tests.IRegistryProbeGrain")]
public interface IRegistryProbeGrain : IGrainWithStringKey
{
    /// <summary>Numbers the proposal as the next version, appends it to the bounded history and writes the state.</summary>
    [Alias("Publish")]
    Task<ServingVersion> PublishAsync(ServingProposal proposal);

    /// <summary>The kept versions as this activation read them from storage (and wrote since), oldest first.</summary>
    [Alias("GetHistory")]
    Task<ServingVersion[]> GetHistoryAsync();
}
