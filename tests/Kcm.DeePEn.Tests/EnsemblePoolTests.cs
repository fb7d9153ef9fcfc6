using Kcm.DeePEn.Ensemble;

namespace Kcm.DeePEn.Tests;

public sealed class EnsemblePoolTests
{
    [Fact]
    public void Create_FromLoadedMembersAndAnInMemoryManifest_DecodesInEveryMode()
    {
        var members = SotuModels.LoadAll();
        var manifest = new EnsembleManifest { Name = "sotu-test", Members = SotuModels.Names, Main = "sotu-bl1536", AdaptiveWeights = [0.2f, 0.3f, 0.5f] };

        using var pool = EnsemblePool.Create(manifest, members);

        Assert.Equal(2, pool.MainModel);
        Assert.Same(members[2], pool.Main);
        Assert.InRange(pool.SparseRelativeBytes, 1, pool.DenseRelativeBytes / 10);
        foreach (var mode in EnsembleModes.All)
        {
            var generation = pool.CreateDecoder(mode).Generate("The state of our Union is", 3);
            Assert.Equal(3, generation.Tokens.Count);
        }
    }

    [Fact]
    public void Decode_FromPromptTokens_EqualsFromText_AndOnlyTheLastStepSaysWhyItEnds()
    {
        var members = SotuModels.LoadAll();
        var manifest = new EnsembleManifest { Name = "sotu-test", Members = SotuModels.Names, Main = "sotu-sp2k" };
        using var pool = EnsemblePool.Create(manifest, members);
        const string prompt = "The state of our Union is";
        var tokens = pool.Main.Tokenizer.Encode(prompt);

        var fromText = pool.CreateDecoder(EnsembleMode.Sparse).Decode(prompt, 6).ToList();
        var fromTokens = pool.CreateDecoder(EnsembleMode.Sparse).Decode(tokens, 6).ToList();

        Assert.Equal(fromText.Select(s => s.Token), fromTokens.Select(s => s.Token));
        Assert.Equal(fromText.Select(s => s.Finish), fromTokens.Select(s => s.Finish));
        Assert.All(fromTokens.SkipLast(1), s => Assert.False(s.IsLast));
        Assert.True(fromTokens[^1].IsLast);
        if (!fromTokens[^1].IsSpecial)
        {
            Assert.Equal(6, fromTokens.Count);
            Assert.Equal(EnsembleFinish.MaxTokens, fromTokens[^1].Finish);
        }

        // A prompt that fills the main model's context but one token: the model reads one generated token more, so two
        // steps (the silo's "context + 1 - prompt tokens"), the second ended by the context.
        var sentence = pool.Main.Tokenizer.Encode(" We will build a better future.");
        var full = Enumerable.Repeat(sentence, 1 + (pool.Main.Context / sentence.Length)).SelectMany(t => t).Take(pool.Main.Context - 1).ToArray();
        var steps = pool.CreateDecoder(EnsembleMode.Main).Decode(full, 10).ToList();
        Assert.Equal(steps[0].IsSpecial ? 1 : 2, steps.Count);
        Assert.Equal(steps[^1].IsSpecial ? EnsembleFinish.EndOfText : EnsembleFinish.Context, steps[^1].Finish);

        var decoder = pool.CreateDecoder(EnsembleMode.Avg);
        Assert.Throws<ArgumentException>(() => decoder.Decode(Array.Empty<int>(), 3));
        Assert.Throws<ArgumentException>(() => decoder.Decode(new int[pool.Main.Context], 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => decoder.Decode([1, pool.Main.Tokenizer.VocabularySize], 3));
    }

    [Fact]
    public void Create_WrongMemberCountOrBadManifest_ThrowsNamingTheProblem()
    {
        var members = SotuModels.LoadAll();
        try
        {
            var manifest = new EnsembleManifest { Name = "sotu-test", Members = SotuModels.Names, Main = "sotu-sp2k" };

            var count = Assert.Throws<ArgumentException>(() => EnsemblePool.Create(manifest, members.Take(2).ToList()));
            var main = Assert.Throws<ArgumentException>(() => EnsemblePool.Create(manifest with { Main = "nope" }, members));

            Assert.Contains("3 members, 2 were given", count.Message, StringComparison.Ordinal);
            Assert.Contains("main 'nope'", main.Message, StringComparison.Ordinal);
        }
        finally
        {
            members.ForEach(m => m.Dispose());
        }
    }
}
