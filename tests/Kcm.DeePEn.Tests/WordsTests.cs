using Kcm.DeePEn.Evaluation;

namespace Kcm.DeePEn.Tests;

public sealed class WordsTests
{
    [Theory]
    [InlineData("economy,", "economy")]
    [InlineData("“economy”", "economy")]
    [InlineData("(Applause.)", "Applause")]
    [InlineData("America's", "America's")]
    [InlineData("U.S.", "U.S")]
    [InlineData("$100", "100")]
    [InlineData("—", "")]
    [InlineData("Economy", "Economy")]
    public void Strip_RemovesOnlyLeadingAndTrailingPunctuationAndSymbols(string run, string word)
    {
        Assert.Equal(word, Words.Strip(run));
    }

    [Fact]
    public void Runs_HeldOutAddress_AreTheWhitespaceSeparatedPiecesInOrder()
    {
        var text = SotuModels.Corpus.Test[0].Text;

        var runs = Words.Runs(text);

        Assert.Equal(text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries), runs.Select(r => text[r]));
        Assert.True(runs.Count > 1000, $"{runs.Count} runs");
    }

    [Theory]
    [InlineData(" economy. And", "economy", true)]
    [InlineData(" economy", "economy", false)]
    [InlineData("\n\n“We", "We", false)]
    [InlineData(" (Applause.) Thank", "Applause", true)]
    [InlineData("'s economy ", "", true)]
    [InlineData(", and", "", true)]
    [InlineData("   ", "", false)]
    [InlineData("", "", false)]
    public void FirstWord_ContinuationOfAPromptEndingAfterARun(string continuation, string word, bool complete)
    {
        Assert.Equal(word, Words.FirstWord(continuation, out var isComplete));
        Assert.Equal(complete, isComplete);
    }

    [Fact]
    public void FirstWord_TrueContinuationOfEveryCut_IsTheNextRunsWord()
    {
        var passage = Passages.Split(SotuModels.Corpus.Test[2].Text, 250)[4];
        var runs = Words.Runs(passage);
        Assert.True(runs.Count >= 10, passage);

        for (var r = 1; r < runs.Count - 1; r++)
        {
            var continuation = passage[runs[r - 1].End..];
            Assert.Equal(Words.Strip(passage[runs[r]]), Words.FirstWord(continuation, out var complete));
            Assert.True(complete, $"run {r} of \"{passage}\"");
        }
    }
}
