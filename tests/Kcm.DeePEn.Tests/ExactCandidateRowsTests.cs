using Kcm.DeePEn.Fusion;

namespace Kcm.DeePEn.Tests;

/// <summary>
/// The exact rows of R computed from the embeddings (<see cref="EmbeddingRelativeRows"/>) and their use in the sparse
/// search for the main model's leading tokens (<see cref="DeePEnFusion"/> with exact main rows).
/// </summary>
public sealed class ExactCandidateRowsTests
{
    private static readonly EmbeddingMatrix SmallEmbeddings = RelativeRepresentationTests.RandomEmbeddings(24, 12, seed: 30);
    private static readonly int[] SmallAnchors = [0, 2, 3, 5, 8, 11, 13, 17, 19, 23];
    private static readonly int[] OtherAnchors = Enumerable.Range(0, 40).Where(i => i % 4 == 0).ToArray();

    private static RelativeRepresentation SmallMain { get; } = RelativeRepresentation.Build(SmallEmbeddings, SmallAnchors);

    private static RelativeRepresentation Other { get; } = RelativeRepresentation.Build(RelativeRepresentationTests.RandomEmbeddings(40, 12, seed: 31), OtherAnchors);

    [Fact]
    public void FillRow_IsTheCosineSoftmaxOfTheReference_ComputedIndependentlyInDoublePrecision()
    {
        var embeddings = RelativeRepresentationTests.RandomEmbeddings(60, 20, seed: 32);
        int[] anchors = [1, 4, 9, 16, 25, 36, 49];
        var rows = new EmbeddingRelativeRows(embeddings, anchors);
        var row = new float[anchors.Length];

        Assert.Equal(60, rows.VocabularySize);
        Assert.Equal(7, rows.AnchorCount);
        Assert.Equal(7L * 8, rows.Bytes);
        for (var v = 0; v < 60; v++)
        {
            rows.FillRow(v, row);
            var expected = Reference(embeddings, anchors, v, 100);
            for (var a = 0; a < anchors.Length; a++)
            {
                Assert.Equal(expected[a], row[a], 1e-5);
            }

            Assert.Equal(1.0, row.Sum(x => (double)x), 1e-5);
        }
    }

    [Fact]
    public void FillRow_OfAZeroEmbedding_IsUniform_AndBadArgumentsAreRejected()
    {
        var values = RelativeRepresentationTests.RandomEmbeddings(10, 4, seed: 33).Values;
        Array.Clear(values, 3 * 4, 4);
        var rows = new EmbeddingRelativeRows(new EmbeddingMatrix(values, 10, 4), [0, 1, 2, 5]);
        var row = new float[4];

        rows.FillRow(3, row);

        Assert.All(row, x => Assert.Equal(0.25f, x, 1e-6f));
        Assert.Throws<ArgumentOutOfRangeException>(() => rows.FillRow(10, row));
        Assert.Throws<ArgumentException>(() => rows.FillRow(0, new float[3]));
        Assert.Throws<ArgumentOutOfRangeException>(() => new EmbeddingRelativeRows(new EmbeddingMatrix(values, 10, 4), [0, 10]));
        Assert.Throws<ArgumentException>(() => new EmbeddingRelativeRows(new EmbeddingMatrix(values, 10, 4), []));
    }

    [Fact]
    public void SparseBuild_FromTheRows_EqualsTruncatingTheDenseMatrix_BitForBit()
    {
        var embeddings = RelativeRepresentationTests.RandomEmbeddings(300, 16, seed: 35);
        var anchors = Enumerable.Range(0, 300).Where(i => i % 5 == 0).ToArray();
        var fromDense = SparseRelativeRepresentation.FromDense(RelativeRepresentation.Build(embeddings, anchors), anchorsPerRow: 12);

        var built = SparseRelativeRepresentation.Build(new EmbeddingRelativeRows(embeddings, anchors), anchorsPerRow: 12, maxDegreeOfParallelism: 2);

        Assert.Equal(fromDense.Bytes, built.Bytes);
        Assert.Equal(fromDense.MeanRetainedMass, built.MeanRetainedMass);
        for (var v = 0; v < 300; v++)
        {
            Assert.Equal(fromDense.RowAnchors(v).ToArray(), built.RowAnchors(v).ToArray());
            Assert.Equal(fromDense.RowValues(v).ToArray(), built.RowValues(v).ToArray());
            Assert.Equal(fromDense.RowTail(v), built.RowTail(v));
        }

        Assert.Equal(60, SparseRelativeRepresentation.Build(new EmbeddingRelativeRows(embeddings, anchors), anchorsPerRow: 1000).AnchorsPerRow);
    }

    [Fact]
    public void SparseMain_WithEveryTokenWithinReach_TargetsAndSearchesAsTheDenseMain_AndWithoutExactRowsDoesNot()
    {
        // 24 tokens, all within reach (2 T lr = 10 > the logits' range of 8) and under the cap of 32, so every main row
        // is exact: the fusion must equal the dense one. m = 1 keeps the sparse rows far from the dense ones.
        var options = new InverseSearchOptions { LearningRate = 1f };
        var sparseMain = SparseRelativeRepresentation.FromDense(SmallMain, anchorsPerRow: 1);
        var exact = new EmbeddingRelativeRows(SmallEmbeddings, SmallAnchors);
        var dense = new DeePEnFusion([SmallMain, Other], FusionWeights.Average(2), mainModel: 0, options);
        var patched = new DeePEnFusion([sparseMain, Other], FusionWeights.Average(2), mainModel: 0, options, exactMainRows: exact);
        var unpatched = new DeePEnFusion([sparseMain, Other], FusionWeights.Average(2), mainModel: 0, options);
        var random = new Random(7);
        var largestUnpatchedGap = 0f;
        for (var step = 0; step < 20; step++)
        {
            var mainLogits = SparseRelativeRepresentationTests.RandomLogits(24, random);
            var otherLogits = SparseRelativeRepresentationTests.RandomLogits(40, random);
            var token = Run(dense);
            var patchedToken = Run(patched);
            Run(unpatched);

            Assert.Equal(24, patched.ExactRowsInLastSearch);
            Assert.Equal(0, unpatched.ExactRowsInLastSearch);
            Assert.Equal(token, patchedToken);
            for (var v = 0; v < 24; v++)
            {
                Assert.Equal(dense.UpdatedLogits[v], patched.UpdatedLogits[v], 1e-3f);
            }

            Assert.Equal(dense.Losses[^1], patched.Losses[^1], 4);
            for (var v = 0; v < 24; v++)
            {
                largestUnpatchedGap = MathF.Max(largestUnpatchedGap, MathF.Abs(dense.UpdatedLogits[v] - unpatched.UpdatedLogits[v]));
            }

            int Run(DeePEnFusion fusion)
            {
                fusion.Reset();
                fusion.AddLogits(0, mainLogits);
                fusion.AddLogits(1, otherLogits);
                return fusion.Search(mainLogits);
            }
        }

        Assert.True(largestUnpatchedGap > 0.01f, $"m = 1 without exact rows should search differently (largest gap {largestUnpatchedGap})");
    }

    [Fact]
    public void ExactRows_AreOnlyThoseOfTokensWithinReachOfTheTop_UpToTheCap()
    {
        // Defaults: T = 5, lr = 0.15, so the reach is 1.5 logits.
        var sparseMain = SparseRelativeRepresentation.FromDense(SmallMain, anchorsPerRow: 2);
        var fusion = new DeePEnFusion([sparseMain, Other], FusionWeights.Average(2), mainModel: 0, exactMainRows: new EmbeddingRelativeRows(SmallEmbeddings, SmallAnchors));
        var logits = new float[24];
        Array.Fill(logits, -3f);
        logits[7] = 5f;
        logits[2] = 4f;
        logits[20] = 3.6f;
        logits[11] = 3.4f;

        fusion.Reset();
        fusion.AddLogits(1, new float[40]);
        fusion.Search(logits);
        Assert.Equal(3, fusion.ExactRowsInLastSearch);

        // Through the main model's distribution (patched when added to the target): the same tokens.
        fusion.Reset();
        fusion.AddLogits(0, logits);
        fusion.Search(logits);
        Assert.Equal(3, fusion.ExactRowsInLastSearch);

        var wide = new EmbeddingMatrix(RelativeRepresentationTests.RandomEmbeddings(50, 12, seed: 34).Values, 50, 12);
        int[] wideAnchors = [0, 10, 20, 30, 40];
        var wideFusion = new DeePEnFusion(
            [SparseRelativeRepresentation.FromDense(RelativeRepresentation.Build(wide, wideAnchors), 2)],
            [1f],
            mainModel: 0,
            exactMainRows: new EmbeddingRelativeRows(wide, wideAnchors));
        var flat = new float[50];
        wideFusion.Reset();
        wideFusion.AddLogits(0, flat);
        wideFusion.Search(flat);
        Assert.Equal(DeePEnFusion.MaxExactRows, wideFusion.ExactRowsInLastSearch);

        Assert.Throws<ArgumentException>(() => new DeePEnFusion([sparseMain, Other], FusionWeights.Average(2), mainModel: 0, exactMainRows: new EmbeddingRelativeRows(wide, wideAnchors)));
    }

    [Fact]
    public void ExactRows_KeptAcrossSearches_GiveWhatFreshlyComputedRowsGive_AndAreNotComputedAgain()
    {
        // 200 tokens with flat logits: 32 rows within reach per search, so the 64 kept rows are evicted and refilled.
        var embeddings = RelativeRepresentationTests.RandomEmbeddings(200, 12, seed: 36);
        var anchors = Enumerable.Range(0, 200).Where(i => i % 20 == 0).ToArray();
        var sparse = SparseRelativeRepresentation.FromDense(RelativeRepresentation.Build(embeddings, anchors), 3);
        var rows = new EmbeddingRelativeRows(embeddings, anchors);
        var kept = new DeePEnFusion([sparse, Other], FusionWeights.Average(2), mainModel: 0, exactMainRows: rows);
        var random = new Random(9);
        var history = new List<float[]>();
        for (var step = 0; step < 40; step++)
        {
            // Every fourth search repeats an earlier one, whose rows may or may not still be kept.
            var mainLogits = step % 4 == 3 ? history[random.Next(history.Count)] : [.. SparseRelativeRepresentationTests.RandomLogits(200, random).Select(x => x / 8)];
            history.Add(mainLogits);
            var otherLogits = SparseRelativeRepresentationTests.RandomLogits(40, random);
            var fresh = new DeePEnFusion([sparse, Other], FusionWeights.Average(2), mainModel: 0, exactMainRows: rows);

            Assert.Equal(Run(fresh), Run(kept));
            Assert.Equal(fresh.ExactRowsInLastSearch, kept.ExactRowsInLastSearch);
            for (var v = 0; v < 200; v++)
            {
                Assert.Equal(fresh.UpdatedLogits[v], kept.UpdatedLogits[v]);
            }

            int Run(DeePEnFusion fusion)
            {
                fusion.Reset();
                fusion.AddLogits(0, mainLogits);
                fusion.AddLogits(1, otherLogits);
                return fusion.Search(mainLogits);
            }
        }

        var computed = kept.ExactRowsComputed;
        kept.Reset();
        kept.AddLogits(0, history[^1]);
        kept.Search(history[^1]);
        Assert.Equal(computed, kept.ExactRowsComputed);
        Assert.True(computed < 40L * DeePEnFusion.MaxExactRows, $"{computed} rows computed for 40 searches");
    }

    [Fact]
    public void SparseStep_WithExactRows_AllocatesNothing()
    {
        var sparseMain = SparseRelativeRepresentation.FromDense(SmallMain, anchorsPerRow: 2);
        var fusion = new DeePEnFusion([sparseMain, SparseRelativeRepresentation.FromDense(Other, 2)], FusionWeights.Average(2), mainModel: 0, projectionTopTokens: 8, exactMainRows: new EmbeddingRelativeRows(SmallEmbeddings, SmallAnchors));
        var random = new Random(8);
        var mainLogits = SparseRelativeRepresentationTests.RandomLogits(24, random);
        var otherLogits = SparseRelativeRepresentationTests.RandomLogits(40, random);
        RunStep();

        var before = GC.GetAllocatedBytesForCurrentThread();
        var token = RunStep();
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
        Assert.InRange(token, 0, 23);
        Assert.True(fusion.ExactRowsInLastSearch > 0, "the top token is always within reach");

        int RunStep()
        {
            fusion.Reset();
            fusion.AddLogits(0, mainLogits);
            fusion.AddLogits(1, otherLogits);
            return fusion.Search(mainLogits);
        }
    }

    // The method's definition, written out separately: cosines of unit rows, L2-normalised over the row, times the
    // scale, softmax.
    private static double[] Reference(EmbeddingMatrix embeddings, int[] anchors, int token, double scale)
    {
        var cosines = new double[anchors.Length];
        for (var a = 0; a < anchors.Length; a++)
        {
            double dot = 0, left = 0, right = 0;
            for (var j = 0; j < embeddings.Columns; j++)
            {
                var x = (double)embeddings.Row(token)[j];
                var y = (double)embeddings.Row(anchors[a])[j];
                dot += x * y;
                left += x * x;
                right += y * y;
            }

            cosines[a] = dot / Math.Sqrt(left * right);
        }

        var norm = Math.Sqrt(cosines.Sum(c => c * c));
        var scaled = cosines.Select(c => scale * c / norm).ToArray();
        var max = scaled.Max();
        var exps = scaled.Select(s => Math.Exp(s - max)).ToArray();
        var sum = exps.Sum();
        return [.. exps.Select(e => e / sum)];
    }
}
