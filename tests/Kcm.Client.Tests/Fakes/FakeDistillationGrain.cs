using Kcm.Abstractions.Distillation;
using Orleans.Concurrency;

namespace Kcm.Client.Tests.Fakes;

/// <summary>A distillation grain that answers as its test's script says.</summary>
[Reentrant]
public sealed class FakeDistillationGrain : Grain, IDistillationGrain
{
    public const string RunRound = "run-round";
    public const string Status = "status";

    public Task<DistillationRoundResult> RunRoundAsync() =>
        GrainScripts.RunAsync<DistillationRoundResult>(this.GetPrimaryKeyString(), RunRound, null);

    public Task<DistillationStatus> GetStatusAsync() =>
        GrainScripts.RunAsync<DistillationStatus>(this.GetPrimaryKeyString(), Status, null);
}
