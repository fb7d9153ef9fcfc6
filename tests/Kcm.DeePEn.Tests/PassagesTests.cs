using Kcm.DeePEn.Ensemble;
using Kcm.DeePEn.Evaluation;

namespace Kcm.DeePEn.Tests;

public sealed class PassagesTests
{
    [Fact]
    public void Split_HeldOutAddress_KeepsEveryWordInOrderWithinTheLimit()
    {
        var text = SotuModels.Corpus.Test[^1].Text;

        var passages = Passages.Split(text, 300);

        Assert.True(passages.Count > 50, $"{passages.Count} passages");
        Assert.All(passages, p => Assert.InRange(p.Length, 1, 300));
        var words = text.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(words, string.Join(' ', passages).Split(' ', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public void TextOf_MainTokensEndingInsideACharacter_GivesTheTextUpToTheLastCompleteCharacter()
    {
        using var member = SotuModels.Load("sotu-bl1k");
        const string text = "America’s future — “bright” ≈ done";
        var tokens = member.Tokenizer.Encode(text);
        var cutInside = 0;

        for (var count = 1; count <= tokens.Length; count++)
        {
            var visible = EnsembleDecoder.TextOf(member.Tokenizer, tokens.AsSpan(0, count));
            Assert.StartsWith(visible, text, StringComparison.Ordinal);
            Assert.DoesNotContain('\uFFFD', visible);
            cutInside += member.Tokenizer.Decode(tokens.AsSpan(0, count)).EndsWith('\uFFFD') ? 1 : 0;
        }

        Assert.True(cutInside > 0, "no prefix ended inside a character: the test text does not exercise the trimming");
        Assert.Equal(text, EnsembleDecoder.TextOf(member.Tokenizer, tokens));
    }
}
