using Kcm.Core.Data;

namespace Kcm.Core.Tests.Data;

public sealed class DatasetSplitTests
{
    [Fact]
    public void HoldOut_TakesEveryFifthRowOfEachClassInFileOrder()
    {
        // Class 0 at even rows, class 1 at odd rows: ranks 4 and 9 of each class are held out at 0.2.
        var data = new Dataset(Enumerable.Range(0, 20).Select(i => (float)i).ToArray(), Enumerable.Range(0, 20).Select(i => i % 2).ToArray(), 1, 2);

        var (kept, held) = DatasetSplit.HoldOut(data, 0.2);

        Assert.Equal([8f, 9f, 18f, 19f], held.Features);
        Assert.Equal(16, kept.Count);
        Assert.Empty(kept.Features.Intersect(held.Features));
    }

    [Fact]
    public void StratifiedShuffle_IsAPermutationWhosePrefixesKeepTheClassShares()
    {
        var labels = Enumerable.Range(0, 1_000).Select(i => i < 100 ? 0 : i < 400 ? 1 : 2).ToArray();
        var data = new Dataset(Enumerable.Range(0, 1_000).Select(i => (float)i).ToArray(), labels, 1, 3);

        var shuffled = DatasetSplit.StratifiedShuffle(data, seed: 7);

        Assert.Equal(Enumerable.Range(0, 1_000).Select(i => (float)i), shuffled.Features.Order());
        var prefix = shuffled.Slice(0, 100).Labels;
        Assert.InRange(prefix.Count(l => l == 0), 8, 12);
        Assert.InRange(prefix.Count(l => l == 1), 27, 33);
        Assert.Equal(shuffled.Features, DatasetSplit.StratifiedShuffle(data, seed: 7).Features);
        Assert.NotEqual(shuffled.Features, DatasetSplit.StratifiedShuffle(data, seed: 8).Features);
    }
}
