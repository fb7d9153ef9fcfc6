using Kcm.Client;
using Kcm.Contracts;
using Kcm.DeePEn.Ensemble;
using Kcm.Silo.Tests.Support;

namespace Kcm.Silo.Tests.Ensemble;

/// <summary>Silos of their own: one whose manifest has DeePEn-Adapt weights, one shut down mid-stream.</summary>
[Collection(EnsembleCollection.Name)]
public sealed class GenerateLifecycleTests(EnsembleSilo ensemble)
{
    [Fact]
    public async Task Stream_AdaptWithWeightsInTheManifest_GivesTheInProcessTokens()
    {
        var manifest = Path.Combine(ensemble.Folder, "adapt.json");
        File.WriteAllText(manifest, """
            { "name": "sotu-adapt", "members": ["sotu-bl1k", "sotu-sp2k", "sotu-bl1536"], "main": "sotu-sp2k", "adaptive_weights": [0.2, 0.5, 0.3] }
            """);
        using var reference = EnsemblePool.Load(manifest, EnsembleSilo.OnnxOptions);
        var expected = reference.CreateDecoder(EnsembleMode.Adapt).Generate("Our nation", 6);
        await using var silo = await TestSilo.StartAsync(EnsembleSilo.Settings(manifest));
        using var client = new KcmClient(silo.Host.Addresses[0], new KcmClientOptions { MaxRetries = 0 });

        var stream = await GenerationStreams.ReadAsync(client, "sotu-adapt", new GenerateRequest("Our nation", 6, Mode: GenerationModes.Adapt));

        Assert.Equal(expected.Tokens, stream.TokenIds);
        Assert.Equal(GenerationModes.Adapt, stream.Done.Mode);
        Assert.All(stream.Tokens, t => Assert.True(t.Fused));
    }

    [Fact]
    public async Task Stream_SiloShutsDownMidStream_EndsWithAnErrorEventSayingSo()
    {
        var silo = await TestSilo.StartAsync(EnsembleSilo.Settings(ensemble.ManifestPath));
        using var client = new KcmClient(silo.Host.Addresses[0], new KcmClientOptions { MaxRetries = 0 });
        Task? stopping = null;
        var tokens = 0;
        try
        {
            var problem = await Assert.ThrowsAsync<KcmProblemException>(async () =>
            {
                await foreach (var item in client.GenerateStreamAsync(EnsembleSilo.Model, new GenerateRequest("America", GenerateRequest.MaxTokensLimit, Mode: GenerationModes.Avg)))
                {
                    Assert.IsType<GenerationToken>(item);
                    if (++tokens == 1)
                    {
                        stopping = silo.DisposeAsync().AsTask();
                    }
                }
            });

            Assert.Equal(ProblemCodes.ShuttingDown, problem.Code);
            Assert.True(problem.Retriable);
            Assert.InRange(tokens, 1, 40);
        }
        finally
        {
            await (stopping ?? silo.DisposeAsync().AsTask());
        }
    }
}
