using Kcm.DeePEn.Ensemble;
using Kcm.DeePEn.Fusion;

namespace Kcm.DeePEn.Tests;

/// <summary>
/// Issue 6's "incremental sync gives the same tokens as full re-tokenization on real text", end to end: the cached
/// ensemble (TextSyncedDecoder's logits are checked against recomputation in SotuModelTests) and the baseline that
/// re-tokenises and recomputes every prefix at every step choose the same tokens.
/// </summary>
public sealed class PrefixRecomputingEnsembleTests
{
    [Theory]
    [InlineData(1, "Tonight, I want to talk about the future of our economy and")]
    [InlineData(0, "We will rebuild our roads, our bridges, and")]
    public void Generate_RealPrompt_GivesTheSameTokensAsTheCachedIncrementalEnsemble(int mainModel, string prompt)
    {
        var members = SotuModels.LoadAll();
        try
        {
            var space = RelativeSpace.Build(members);
            var weights = FusionWeights.Average(members.Count);
            var cached = new DeePEnEnsemble(members, space, mainModel, weights);
            var recomputing = new PrefixRecomputingEnsemble(members, space.Relatives, mainModel, weights);

            var expected = cached.Generate(prompt, 20);
            var actual = recomputing.Generate(prompt, 20);

            Assert.InRange(expected.Tokens.Count, 1, 20);
            Assert.Equal(expected.Tokens, actual.Tokens);
            Assert.Equal(expected.Text, actual.Text);
            Assert.Equal(expected.StepsChangedByFusion, actual.StepsChangedByFusion);

            // Every step ran the main model on its whole prefix (at least the prompt) and each assistant on at least a token.
            var least = (long)actual.Tokens.Count * (members[mainModel].Tokenizer.Encode(prompt).Length + members.Count - 1);
            Assert.True(recomputing.TokensRun >= least, $"{recomputing.TokensRun} tokens run, expected at least {least}");
            Assert.True(recomputing.FusionTime > TimeSpan.Zero && recomputing.ModelTime > TimeSpan.Zero);
        }
        finally
        {
            members.ForEach(m => m.Dispose());
        }
    }
}
