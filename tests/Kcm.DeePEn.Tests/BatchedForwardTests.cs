using Kcm.DeePEn.Evaluation;
using Kcm.DeePEn.Models;

namespace Kcm.DeePEn.Tests;

/// <summary>Several streams, each with its own cache, in one forward call of the real SotU models.</summary>
public sealed class BatchedForwardTests
{
    private const float Tolerance = 1e-4f;

    [Theory]
    [MemberData(nameof(SotuModels.ModelNames), MemberType = typeof(SotuModels))]
    public void ForwardBatch_UnevenPastsAndNewTokens_GivesEachStreamsOwnLogits(string name)
    {
        using var member = SotuModels.Load(name);
        var model = member.Model;
        var text = Passages.Split(SotuModels.Corpus.Test[0].Text, 400)[2];
        var all = member.Tokenizer.Encode(text).Select(t => (long)t).ToArray();
        Assert.True(all.Length > 40, $"{all.Length} tokens");

        // Pasts of 0, 6, 13 and 2 tokens; then 5, 1, 3 and 7 new tokens; then one more token each.
        int[] pasts = [0, 6, 13, 2];
        int[] counts = [5, 1, 3, 7];
        int[] offsets = [0, 3, 9, 20];
        var batched = new KeyValueCache[pasts.Length];
        var single = new KeyValueCache[pasts.Length];
        for (var b = 0; b < pasts.Length; b++)
        {
            batched[b] = model.CreateCache();
            single[b] = model.CreateCache();
            if (pasts[b] > 0)
            {
                model.Forward(all.AsSpan(offsets[b], pasts[b]), batched[b]);
                model.Forward(all.AsSpan(offsets[b], pasts[b]), single[b]);
            }
        }

        var news = new ReadOnlyMemory<long>[pasts.Length];
        for (var b = 0; b < pasts.Length; b++)
        {
            news[b] = all.AsMemory(offsets[b] + pasts[b], counts[b]);
        }

        var logits = model.ForwardBatch(news, batched);
        for (var b = 0; b < pasts.Length; b++)
        {
            var expected = model.Forward(news[b].Span, single[b]);
            Assert.Equal(pasts[b] + counts[b], batched[b].Length);
            AssertClose(expected, logits[b], $"{name} stream {b}");
        }

        // The caches were split back correctly: a second batched step (one token each) still matches.
        for (var b = 0; b < pasts.Length; b++)
        {
            news[b] = all.AsMemory(offsets[b] + pasts[b] + counts[b], 1);
        }

        var next = model.NextTokenLogitsBatch(news, batched);
        for (var b = 0; b < pasts.Length; b++)
        {
            var expected = model.NextTokenLogits(news[b].Span, single[b]);
            Assert.Equal(pasts[b] + counts[b] + 1, batched[b].Length);
            Assert.Equal(model.VocabularySize, next[b].Length);
            AssertClose(expected, next[b], $"{name} stream {b}, second step");
        }
    }

    [Fact]
    public void ForwardBatch_BadArguments_AreTypedErrorsAndLeaveTheCachesAlone()
    {
        using var member = SotuModels.Load("sotu-bl1k");
        var model = member.Model;
        var cache = model.CreateCache();
        model.Forward([5, 6, 7], cache);

        Assert.Throws<ArgumentException>(() => model.ForwardBatch([new long[] { 1 }, new long[] { 2 }], [cache, cache]));
        Assert.Throws<ArgumentException>(() => model.ForwardBatch([new long[] { 1 }, ReadOnlyMemory<long>.Empty], [cache, model.CreateCache()]));
        Assert.Throws<ArgumentException>(() => model.ForwardBatch([new long[] { 1 }], [cache, model.CreateCache()]));
        Assert.Equal(3, cache.Length);
    }

    private static void AssertClose(float[] expected, float[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        var worst = 0f;
        for (var i = 0; i < expected.Length; i++)
        {
            worst = MathF.Max(worst, MathF.Abs(expected[i] - actual[i]));
        }

        Assert.True(worst <= Tolerance, $"{what}: largest difference {worst}");
    }
}
