using Kcm.Contracts;
using Kcm.DeePEn.Ensemble;
using Kcm.Grains.Ensemble;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kcm.Silo.Tests.Ensemble;

/// <summary>A generation whose decoding fails midway ends its stream with <see cref="GenerationFailedException"/> and frees its slot.</summary>
[Collection(EnsembleCollection.Name)]
public sealed class EnsembleGrainFailureTests(EnsembleSilo ensemble)
{
    [Fact]
    public async Task ReadAllAsync_ModelsDisposedMidStream_ThrowsGenerationFailedAfterTheTokensBefore()
    {
        var pool = EnsemblePool.Load(ensemble.ManifestPath, EnsembleSilo.OnnxOptions);
        using var instruments = new EnsembleInstruments();
        var grain = new EnsembleGrain(pool, new EnsembleOptions { MaxConcurrentGenerations = 1 }, instruments, NullLogger<EnsembleGrain>.Instance);
        try
        {
            var stream = await grain.StartAsync(new GenerateRequest("America", GenerateRequest.MaxTokensLimit, Mode: GenerationModes.Avg), CancellationToken.None);
            await using (stream)
            {
                var events = stream.ReadAllAsync().GetAsyncEnumerator();
                Assert.True(await events.MoveNextAsync());
                Assert.IsType<GenerationToken>(events.Current);
                // The ONNX sessions go away under the running decoder (a session refuses calls once disposed).
                pool.Dispose();

                var failure = await Assert.ThrowsAsync<GenerationFailedException>(async () =>
                {
                    while (await events.MoveNextAsync())
                    {
                        Assert.IsType<GenerationToken>(events.Current);
                    }
                });

                Assert.IsType<ObjectDisposedException>(failure.InnerException);
            }

            Assert.Equal(0, grain.ActiveGenerations);
            Assert.Equal(0, grain.CompletedGenerations);
        }
        finally
        {
            await grain.DisposeAsync();
        }
    }
}
