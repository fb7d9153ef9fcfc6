using Kcm.Abstractions.Generation;
using Kcm.Contracts;

namespace Kcm.Grains.Tests.Generation;

/// <summary>Refusals reach the caller as <see cref="GenerationRefusedException"/> with the HTTP API's problem code, before any token.</summary>
[Collection(EnsembleClusterCollection.Name)]
public sealed class EnsembleGrainRefusalTests(EnsembleCluster cluster)
{
    private static readonly Dictionary<string, GenerationPrompt> BadPrompts = new()
    {
        ["mode beam"] = new("We the people", 8, [], "beam"),
        ["max tokens over the limit"] = new("We the people", GenerateRequest.MaxTokensLimit + 1, [], GenerationModes.Main),
        ["max tokens 0"] = new("We the people", 0, [], GenerationModes.Main),
        ["empty prompt"] = new("", 8, [], GenerationModes.Main),
        ["prompt over the character limit"] = new(new string('a', GenerateRequest.MaxPromptCharacters + 1), 8, [], GenerationModes.Main),
        ["five stop strings"] = new("We the people", 8, ["a", "b", "c", "d", "e"], GenerationModes.Main),
        ["empty stop string"] = new("We the people", 8, [""], GenerationModes.Main),
        ["mode adapt without adaptive weights"] = new("We the people", 8, [], GenerationModes.Adapt),
    };

    [Theory]
    [InlineData("mode beam", ProblemCodes.InvalidMode)]
    [InlineData("max tokens over the limit", ProblemCodes.InvalidMaxTokens)]
    [InlineData("max tokens 0", ProblemCodes.InvalidMaxTokens)]
    [InlineData("empty prompt", ProblemCodes.InvalidPrompt)]
    [InlineData("prompt over the character limit", ProblemCodes.PromptTooLong)]
    [InlineData("five stop strings", ProblemCodes.InvalidStop)]
    [InlineData("empty stop string", ProblemCodes.InvalidStop)]
    [InlineData("mode adapt without adaptive weights", ProblemCodes.ModeUnavailable)]
    public async Task Generate_BadRequest_ThrowsRefusalWithItsCodeBeforeAnyToken(string request, string code)
    {
        var (tokens, refusal) = await RefusalAsync(EnsembleCluster.Model, BadPrompts[request]);

        Assert.Equal(0, tokens);
        Assert.Equal(code, refusal.Code);
        Assert.False(refusal.Retriable);
        Assert.False(string.IsNullOrWhiteSpace(refusal.Message));
        Assert.True(await cluster.IdleAsync());
    }

    [Fact]
    public async Task Generate_UnknownEnsemble_ThrowsUnknownModelNamingTheServedOne()
    {
        var (tokens, refusal) = await RefusalAsync("no-such-ensemble", new GenerationPrompt("We the people", 8, [], GenerationModes.Main));

        Assert.Equal(0, tokens);
        Assert.Equal(ProblemCodes.UnknownModel, refusal.Code);
        Assert.Contains(EnsembleCluster.Model, refusal.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Generate_AllSlotsBusyAndNoQueue_ThrowsRetriableOverloaded()
    {
        var grain = cluster.Client.GetGrain<IEnsembleGrain>(EnsembleCluster.Model);
        var running = new List<IAsyncEnumerator<GenerationStep>>();
        try
        {
            for (var i = 0; i < EnsembleCluster.MaxConcurrentGenerations; i++)
            {
                var enumerator = grain.GenerateAsync(new GenerationPrompt("We the people", 1000, [], GenerationModes.Main)).GetAsyncEnumerator();
                running.Add(enumerator);
                Assert.True(await enumerator.MoveNextAsync());
            }

            var (tokens, refusal) = await RefusalAsync(EnsembleCluster.Model, new GenerationPrompt("We the people", 8, [], GenerationModes.Main));

            Assert.Equal(0, tokens);
            Assert.Equal(ProblemCodes.Overloaded, refusal.Code);
            Assert.True(refusal.Retriable);
        }
        finally
        {
            foreach (var enumerator in running)
            {
                await enumerator.DisposeAsync();
            }
        }

        Assert.True(await cluster.IdleAsync());
    }

    private async Task<(int Tokens, GenerationRefusedException Refusal)> RefusalAsync(string ensemble, GenerationPrompt prompt)
    {
        var tokens = 0;
        var refusal = await Assert.ThrowsAsync<GenerationRefusedException>(async () =>
        {
            await foreach (var step in cluster.Client.GetGrain<IEnsembleGrain>(ensemble).GenerateAsync(prompt))
            {
                tokens++;
            }
        });
        return (tokens, refusal);
    }
}
