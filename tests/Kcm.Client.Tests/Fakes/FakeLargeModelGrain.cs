using Kcm.Abstractions.Classification;
using Orleans.Concurrency;

namespace Kcm.Client.Tests.Fakes;

/// <summary>A large model that describes itself as its test's script says (the client never calls it to infer).</summary>
[Reentrant]
public sealed class FakeLargeModelGrain : Grain, ILargeModelGrain
{
    public const string Describe = "describe";

    public Task<LargeModelAnswer> InferAsync(LargeModelBatch batch) => throw new NotSupportedException("The client never infers on the large model.");

    public Task<LargeModelDescription> DescribeAsync() =>
        GrainScripts.RunAsync<LargeModelDescription>(this.GetPrimaryKeyString(), Describe, null);
}
