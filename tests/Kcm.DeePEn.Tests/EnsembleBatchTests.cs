using Kcm.DeePEn.Ensemble;
using Kcm.DeePEn.Evaluation;
using Kcm.DeePEn.Fusion;

namespace Kcm.DeePEn.Tests;

/// <summary>Batched greedy ensemble decoding of several prompts against one <see cref="DeePEnEnsemble"/> per prompt, on the real SotU models.</summary>
public sealed class EnsembleBatchTests : IDisposable
{
    private const int Main = 1;
    private const int MaxTokens = 12;
    private readonly List<EnsembleMember> _members = SotuModels.LoadAll();

    public void Dispose() => _members.ForEach(m => m.Dispose());

    [Theory]
    [InlineData(EnsembleMode.Main)]
    [InlineData(EnsembleMode.Avg)]
    [InlineData(EnsembleMode.Gated)]
    public void Generate_SeveralPromptsOfUnevenLengths_SameTokensAsOneEnsemblePerPrompt(EnsembleMode mode)
    {
        var space = RelativeSpace.Build(_members);
        var prompts = Prompts();
        var weights = FusionWeights.Average(_members.Count);
        var batch = mode switch
        {
            EnsembleMode.Main => EnsembleBatch.MainOnly(_members, Main),
            EnsembleMode.Gated => new EnsembleBatch(_members, space.Relatives, Main, weights, gateThreshold: FusionGate.DefaultThreshold),
            _ => new EnsembleBatch(_members, space.Relatives, Main, weights),
        };

        var results = batch.Generate(prompts, MaxTokens);
        var parallel = mode == EnsembleMode.Main ? EnsembleBatch.MainOnly(_members, Main) : new EnsembleBatch(_members, space.Relatives, Main, weights, gateThreshold: mode == EnsembleMode.Gated ? FusionGate.DefaultThreshold : null) { FusionParallelism = 2 };
        var parallelResults = parallel.Generate(prompts, MaxTokens);

        Assert.Equal(prompts.Count, results.Count);
        var steps = 0;
        for (var p = 0; p < prompts.Count; p++)
        {
            var single = mode switch
            {
                EnsembleMode.Main => DeePEnEnsemble.MainOnly(_members, Main),
                EnsembleMode.Gated => new DeePEnEnsemble(_members, space.Relatives, Main, weights, gateThreshold: FusionGate.DefaultThreshold),
                _ => new DeePEnEnsemble(_members, space, Main, weights),
            };
            var expected = single.Generate(prompts[p], MaxTokens);
            Assert.Equal(prompts[p], results[p].Prompt);
            Assert.Equal(expected.Tokens, results[p].Tokens);
            Assert.Equal(expected.Tokens, parallelResults[p].Tokens);
            Assert.Equal(expected.Text, results[p].Text);
            Assert.Equal(expected.StepsChangedByFusion, results[p].StepsChangedByFusion);
            steps = Math.Max(steps, expected.Tokens.Count);
        }

        // One main-model call per step for all streams (plus the prompts'), at most one per assistant per step.
        var assistantCalls = mode == EnsembleMode.Main ? 0 : (_members.Count - 1) * steps;
        Assert.InRange(batch.ModelCalls, steps, steps + assistantCalls);
    }

    [Fact]
    public void Generate_BadPrompt_FailsBeforeAnyModelCall()
    {
        var batch = EnsembleBatch.MainOnly(_members, Main);

        Assert.Throws<ArgumentException>(() => batch.Generate(["The Union", string.Empty], 4));
        Assert.Equal(0, batch.ModelCalls);
        Assert.Empty(batch.Generate([], 4));
    }

    private static List<string> Prompts()
    {
        var passages = Passages.Split(SotuModels.Corpus.Test[2].Text, 200);
        // Uneven lengths: a few words up to a whole short passage.
        return [passages[1][..20].TrimEnd(), passages[3], passages[5][..60].TrimEnd(), "The state of our Union is", passages[7][..35].TrimEnd()];
    }
}
