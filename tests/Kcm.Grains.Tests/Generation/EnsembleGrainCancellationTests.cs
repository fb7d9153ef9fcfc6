using Kcm.Abstractions.Generation;
using Kcm.Contracts;

namespace Kcm.Grains.Tests.Generation;

/// <summary>A caller that cancels or stops reading mid-stream stops the decoding on the gpu silo and frees its slot.</summary>
[Collection(EnsembleClusterCollection.Name)]
public sealed class EnsembleGrainCancellationTests(EnsembleCluster cluster)
{
    // 1000 tokens do not fit the main model's context, so an uncancelled generation would run to a full context:
    // hundreds of steps more than the two read here.
    private static readonly GenerationPrompt Long = new("The state of our union is", 1000, [], GenerationModes.Main);

    [Fact]
    public async Task Generate_CallerCancelsItsTokenMidStream_StopsDecodingAndFreesTheSlot()
    {
        var cancelled = cluster.Ensemble.CancelledGenerations;
        var completed = cluster.Ensemble.CompletedGenerations;
        using var cancellation = new CancellationTokenSource();
        var tokens = 0;

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var step in cluster.Client.GetGrain<IEnsembleGrain>(EnsembleCluster.Model).GenerateAsync(Long, cancellation.Token))
            {
                Assert.IsType<GeneratedToken>(step);
                if (++tokens == 2)
                {
                    await cancellation.CancelAsync();
                }
            }
        });

        Assert.True(await cluster.IdleAsync(), $"{cluster.Ensemble.ActiveGenerations} generations still decode after the caller cancelled.");
        Assert.Equal(cancelled + 1, cluster.Ensemble.CancelledGenerations);
        Assert.Equal(completed, cluster.Ensemble.CompletedGenerations);
    }

    [Fact]
    public async Task Generate_CallerDisposesTheEnumeratorMidStream_StopsDecodingAndFreesTheSlot()
    {
        var cancelled = cluster.Ensemble.CancelledGenerations;
        var completed = cluster.Ensemble.CompletedGenerations;
        var tokens = 0;

        await foreach (var step in cluster.Client.GetGrain<IEnsembleGrain>(EnsembleCluster.Model).GenerateAsync(Long))
        {
            Assert.IsType<GeneratedToken>(step);
            if (++tokens == 2)
            {
                break;
            }
        }

        Assert.True(await cluster.IdleAsync(), $"{cluster.Ensemble.ActiveGenerations} generations still decode after the caller stopped reading.");
        Assert.Equal(cancelled + 1, cluster.Ensemble.CancelledGenerations);
        Assert.Equal(completed, cluster.Ensemble.CompletedGenerations);
    }
}
