using Kcm.DeePEn.Ensemble;
using Kcm.DeePEn.Evaluation;

namespace Kcm.DeePEn.Tests;

/// <summary>The sync split in two (<see cref="TextSyncedDecoder.TokensToRun"/>, then <see cref="TextSyncedDecoder.Accept"/>), as batched decoding drives it.</summary>
public sealed class TextSyncedDecoderSplitTests
{
    [Fact]
    public void TokensToRunThenAccept_OverAGrowingText_GivesTheOneCallSyncsLogitsAndTokens()
    {
        using var member = SotuModels.Load("sotu-bl1k");
        var passage = Passages.Split(SotuModels.Corpus.Test[1].Text, 250)[4];
        var whole = new TextSyncedDecoder(member);
        var split = new TextSyncedDecoder(member);

        for (var end = 12; end <= passage.Length; end += 9)
        {
            var text = passage[..end];
            var expected = whole.NextTokenLogits(text);
            var fresh = split.TokensToRun(text);
            Assert.NotNull(fresh);
            var actual = split.Accept(member.Model.NextTokenLogits(fresh, split.Cache));

            Assert.Equal(expected, actual);
            Assert.Equal(whole.Tokens, split.Tokens);
            Assert.Null(split.TokensToRun(text));
            Assert.Same(actual, split.LastLogits);
        }

        Assert.Equal(whole.TokensRun, split.TokensRun);
    }

    [Fact]
    public void Accept_WithoutAPendingSync_OrAfterRunningOtherTokens_IsAnError()
    {
        using var member = SotuModels.Load("sotu-bl1k");
        var decoder = new TextSyncedDecoder(member);

        Assert.Throws<InvalidOperationException>(() => decoder.Accept(new float[member.Tokenizer.VocabularySize]));
        var fresh = decoder.TokensToRun("The state of our Union")!;
        member.Model.Forward(fresh.AsSpan(0, 1), decoder.Cache);
        Assert.Throws<InvalidOperationException>(() => decoder.Accept(new float[member.Tokenizer.VocabularySize]));
    }

    [Fact]
    public void Fits_SaysWhetherTheTextIsWithinTheContext_AndTheSyncAfterItIsUnchanged()
    {
        using var member = SotuModels.Load("sotu-bl1k");
        var passage = Passages.Split(SotuModels.Corpus.Test[1].Text, 250)[4];
        var asked = new TextSyncedDecoder(member);
        var plain = new TextSyncedDecoder(member);

        for (var end = 12; end <= passage.Length; end += 9)
        {
            var text = passage[..end];
            Assert.True(asked.Fits(text));
            Assert.Equal(plain.NextTokenLogits(text), asked.NextTokenLogits(text));
            Assert.Equal(plain.Tokens, asked.Tokens);
        }

        var tooLong = string.Join(' ', Enumerable.Repeat(passage, 4));
        Assert.True(member.Tokenizer.Encode(tooLong).Length > member.Context);
        Assert.False(asked.Fits(tooLong));
        Assert.Throws<ArgumentException>(() => asked.NextTokenLogits(tooLong));
    }
}
