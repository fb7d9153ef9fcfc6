using Kcm.DeePEn.Evaluation;

namespace Kcm.DeePEn.Tests;

public sealed class NextWordPromptsTests
{
    [Fact]
    public void Sample_TestAddresses_CutsSentenceAlignedPassagesBeforeAWordWithFiveWordsOfContext()
    {
        var addresses = SotuModels.Corpus.Test;

        var prompts = NextWordPrompts.Sample(addresses, 200, seed: 3, passageCharacters: 250, minContextWords: 5, _ => true, out var skipped);

        Assert.Equal(200, prompts.Count);
        Assert.Equal(0, skipped);
        Assert.Equal(addresses.Select(a => a.Year).Distinct().Order(), prompts.Select(p => p.Year).Distinct().Order());
        Assert.Equal(200, prompts.Distinct().Count());
        foreach (var prompt in prompts)
        {
            var passages = Passages.Split(addresses.First(a => a.Year == prompt.Year).Text, 250);
            var passage = passages.FirstOrDefault(p => p.StartsWith(prompt.Text, StringComparison.Ordinal) && p.Length > prompt.Text.Length && char.IsWhiteSpace(p[prompt.Text.Length]));
            Assert.True(passage is not null, $"\"{prompt.Text}\" is not a passage's prefix ending at a word boundary");
            Assert.False(char.IsWhiteSpace(prompt.Text[^1]));
            Assert.True(Words.Runs(prompt.Text).Count >= 5, prompt.Text);
            Assert.NotEmpty(prompt.Target);
            Assert.Equal(prompt.Target, Words.FirstWord(passage.AsSpan(prompt.Text.Length), out _));
        }
    }

    [Fact]
    public void Sample_IsSeeded_AndSkipsPromptsThatDoNotFit()
    {
        var addresses = SotuModels.Corpus.Test;

        var first = NextWordPrompts.Sample(addresses, 50, seed: 1, 250, 5, _ => true, out _);
        var again = NextWordPrompts.Sample(addresses, 50, seed: 1, 250, 5, _ => true, out _);
        var other = NextWordPrompts.Sample(addresses, 50, seed: 2, 250, 5, _ => true, out _);
        var shortOnly = NextWordPrompts.Sample(addresses, 50, seed: 1, 250, 5, p => p.Length <= 80, out var skipped);

        Assert.Equal(first, again);
        Assert.NotEqual(first, other);
        Assert.Equal(50, shortOnly.Count);
        Assert.All(shortOnly, p => Assert.InRange(p.Text.Length, 1, 80));
        Assert.True(skipped > 0, "some prompts of up to 250 characters should be longer than 80");
    }
}
