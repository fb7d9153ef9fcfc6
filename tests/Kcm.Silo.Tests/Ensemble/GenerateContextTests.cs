using Kcm.Contracts;
using Kcm.DeePEn.Ensemble;

namespace Kcm.Silo.Tests.Ensemble;

/// <summary>Generations that run out of context end with finish_reason "context", not an error.</summary>
[Collection(EnsembleCollection.Name)]
public sealed class GenerateContextTests(EnsembleSilo ensemble)
{
    private const string Passage = "The people of the United States have asked for a government that works for them and with them, ";

    [Fact]
    public async Task Stream_PromptNearTheMainContext_EndsWithContextWhenItIsFull()
    {
        var main = ensemble.Reference.Main;
        var prompt = Grow(text => main.Tokenizer.Encode(text).Length <= main.Context - 4);
        var promptTokens = main.Tokenizer.Encode(prompt).Length;

        var stream = await GenerationStreams.ReadAsync(ensemble.Client, EnsembleSilo.Model, new GenerateRequest(prompt, 64, Mode: GenerationModes.Main));

        if (stream.Done.FinishReason != FinishReasons.EndOfText)
        {
            Assert.Equal(FinishReasons.Context, stream.Done.FinishReason);
            Assert.Equal(main.Context - promptTokens + 1, stream.Done.Tokens);
        }

        Assert.Equal(stream.Text, stream.Done.Text);
    }

    [Fact]
    public async Task Stream_PromptNearAnAssistantsContext_EndsWithContextBeforeTheAssistantOverflows()
    {
        var pool = ensemble.Reference;
        // The longest prompt every member still reads, with the assistants' room nearly used up.
        var prompt = Grow(text =>
        {
            var seen = EnsembleDecoder.TextOf(pool.Main.Tokenizer, pool.Main.Tokenizer.Encode(text));
            return pool.Members.All(m => m.Tokenizer.Encode(seen).Length < m.Context - 1);
        });
        var assistantRoom = pool.Members.Where((_, i) => i != pool.MainModel)
            .Min(m => m.Context - m.Tokenizer.Encode(EnsembleDecoder.TextOf(pool.Main.Tokenizer, pool.Main.Tokenizer.Encode(prompt))).Length);
        var mainRoom = pool.Main.Context - pool.Main.Tokenizer.Encode(prompt).Length;
        Assert.True(assistantRoom < mainRoom, $"precondition: an assistant should run out first (assistant room {assistantRoom}, main room {mainRoom})");

        var stream = await GenerationStreams.ReadAsync(ensemble.Client, EnsembleSilo.Model, new GenerateRequest(prompt, 64, Mode: GenerationModes.Avg));

        Assert.Contains(stream.Done.FinishReason, new[] { FinishReasons.Context, FinishReasons.EndOfText });
        Assert.InRange(stream.Done.Tokens, 1, mainRoom);
        Assert.Equal(stream.Text, stream.Done.Text);
    }

    /// <summary>The passage repeated, grown word by word while <paramref name="fits"/> holds.</summary>
    private static string Grow(Func<string, bool> fits)
    {
        var words = string.Concat(Enumerable.Repeat(Passage, 20)).Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var prompt = words[0];
        for (var i = 1; i < words.Length; i++)
        {
            var longer = prompt + " " + words[i];
            if (!fits(longer))
            {
                return prompt;
            }

            prompt = longer;
        }

        throw new InvalidOperationException("The passage never filled the context.");
    }
}
