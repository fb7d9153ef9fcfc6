using Kcm.Abstractions.Classification;
using Orleans.Concurrency;

namespace Kcm.Client.Tests.Fakes;

/// <summary>A judge that answers as its test's script says. Reentrant, so a call that never answers blocks no other.</summary>
[Reentrant]
public sealed class FakeJudgeGrain : Grain, IJudgeGrain
{
    public const string Classify = "classify";

    public Task<ClassifyResult> ClassifyAsync(ClassifyBatch batch) =>
        GrainScripts.RunAsync<ClassifyResult>(this.GetPrimaryKeyString(), Classify, batch);
}
