using Kcm.Abstractions.Registry;

namespace Kcm.Storage.Tests.Grains;

/// <summary>Keeps <see cref="RegistryProbeState"/> in the grain storage named <see cref="StorageName"/>.</summary>
public sealed class RegistryProbeGrain(
    [PersistentState("registry", RegistryProbeGrain.StorageName)] IPersistentState<RegistryProbeState> state,
    TimeProvider time)
    : Grain, IRegistryProbeGrain
{
    /// <summary>The grain storage provider the silos register for the registry (Azure Table storage here).</summary>
    public const string StorageName = "registry";

    public async Task<ServingVersion> PublishAsync(ServingProposal proposal)
    {
        ArgumentNullException.ThrowIfNull(proposal);
        var current = state.State;
        var version = new ServingVersion(
            current.LastVersion + 1, proposal.Small, proposal.Judge, proposal.Threshold, time.GetUtcNow(), proposal.Reason);
        current.History.Add(version);
        if (current.History.Count > RegistryProbeState.HistoryLimit)
        {
            current.History.RemoveRange(0, current.History.Count - RegistryProbeState.HistoryLimit);
        }

        current.LastVersion = version.Version;
        await state.WriteStateAsync();
        return version;
    }

    public Task<ServingVersion[]> GetHistoryAsync() => Task.FromResult(state.State.History.ToArray());
}
