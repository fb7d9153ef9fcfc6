using Kcm.Abstractions.Generation;
using Kcm.Contracts;

namespace Kcm.Grains.Tests.Generation;

/// <summary>Generation through the Orleans grain on the gpu silo, against Kcm.DeePEn's decoder run directly on the same models.</summary>
[Collection(EnsembleClusterCollection.Name)]
public sealed class EnsembleGrainStreamTests(EnsembleCluster cluster)
{
    private const string Prompt = "The state of our union is";

    [Theory]
    [InlineData(GenerationModes.Main)]
    [InlineData(GenerationModes.Avg)]
    [InlineData(GenerationModes.Gated)]
    public async Task Generate_GreedyMode_StreamsTheDecodersTokensThenOneFinishWhoseTextIsTheirConcatenation(string mode)
    {
        const int maxTokens = 12;
        var direct = DirectGeneration.Run(cluster.Reference, Prompt, maxTokens, mode);

        var generation = await GrainGeneration.ReadAsync(
            cluster.Client.GetGrain<IEnsembleGrain>(EnsembleCluster.Model), new GenerationPrompt(Prompt, maxTokens, [], mode));

        Assert.NotEmpty(generation.Tokens);
        Assert.Equal(direct.TokenIds, generation.TokenIds);
        Assert.Equal(direct.Texts, generation.Tokens.Select(t => t.Text));
        Assert.Equal(generation.Text, generation.Finished.Text);
        Assert.Equal(direct.Text, generation.Finished.Text);
        Assert.Equal(direct.FinishReason, generation.Finished.FinishReason);
        Assert.Equal(direct.FusedSteps, generation.Finished.FusedSteps);
        Assert.Equal(direct.Fused, generation.Tokens.Select(t => t.Fused));
        Assert.Equal(Enumerable.Range(0, generation.Tokens.Count), generation.Tokens.Select(t => t.Index));
        Assert.Equal(generation.Tokens.Count, generation.Finished.Tokens);
        Assert.Equal(mode, generation.Finished.Mode);
        Assert.Equal(EnsembleCluster.Model, generation.Finished.Model);
        Assert.True(generation.Finished.TokensPerSecond > 0);
        Assert.True(await cluster.IdleAsync());
    }

    [Fact]
    public async Task Generate_StopString_EndsTheDecodersTextJustBeforeIt()
    {
        var full = await GrainGeneration.ReadAsync(
            cluster.Client.GetGrain<IEnsembleGrain>(EnsembleCluster.Model), new GenerationPrompt(Prompt, 16, [], GenerationModes.Main));
        var words = full.Text.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(words.Length >= 3, "the continuation should have a few words: " + full.Text);
        var stop = " " + words[2];

        var direct = DirectGeneration.Run(cluster.Reference, Prompt, 16, GenerationModes.Main).Text;
        var expected = direct[..direct.IndexOf(stop, StringComparison.Ordinal)];
        var cut = await GrainGeneration.ReadAsync(
            cluster.Client.GetGrain<IEnsembleGrain>(EnsembleCluster.Model), new GenerationPrompt(Prompt, 16, [stop], GenerationModes.Main));

        Assert.Equal(FinishReasons.Stop, cut.Finished.FinishReason);
        Assert.Equal(expected, cut.Finished.Text);
        Assert.Equal(cut.Text, cut.Finished.Text);
        Assert.DoesNotContain(stop, cut.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Generate_TwoStreamsAtOnce_GiveTheSameTokensAsOneAfterTheOther()
    {
        var grain = cluster.Client.GetGrain<IEnsembleGrain>(EnsembleCluster.Model);
        GenerationPrompt[] prompts = [new("Our economy", 10, [], GenerationModes.Main), new("Tonight I ask", 10, [], GenerationModes.Avg)];
        var sequential = new List<GrainGeneration>();
        foreach (var prompt in prompts)
        {
            sequential.Add(await GrainGeneration.ReadAsync(grain, prompt));
        }

        var concurrent = await Task.WhenAll(prompts.Select(prompt => GrainGeneration.ReadAsync(grain, prompt)));

        for (var i = 0; i < prompts.Length; i++)
        {
            Assert.Equal(sequential[i].TokenIds, concurrent[i].TokenIds);
            Assert.Equal(sequential[i].Finished.Text, concurrent[i].Finished.Text);
        }
    }

    [Fact]
    public async Task Describe_NamesTheEnsembleAndItsMembersInManifestOrder()
    {
        var description = await cluster.Client.GetGrain<IEnsembleGrain>(EnsembleCluster.Model).DescribeAsync();

        Assert.Equal(EnsembleCluster.Model, description.Name);
        Assert.Equal(["sotu-bl1k", "sotu-sp2k", "sotu-bl1536"], description.Members);
    }
}
