using Kcm.DeePEn.Fusion;

namespace Kcm.DeePEn.Tests;

public sealed class RelativeRepresentationTests
{
    internal static EmbeddingMatrix RandomEmbeddings(int rows, int columns, int seed)
    {
        var random = new Random(seed);
        var values = new float[rows * columns];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = (float)((random.NextDouble() * 2) - 1);
        }

        return new EmbeddingMatrix(values, rows, columns);
    }

    [Fact]
    public void Build_EveryRowIsADistributionThatSumsToOne()
    {
        var relative = RelativeRepresentation.Build(RandomEmbeddings(300, 24, seed: 1), Enumerable.Range(0, 300).Where(i => i % 3 == 0).ToArray());

        Assert.Equal(300, relative.VocabularySize);
        Assert.Equal(100, relative.AnchorCount);
        Assert.Equal(300L * 100 * sizeof(float), relative.Bytes);
        for (var v = 0; v < relative.VocabularySize; v++)
        {
            var row = relative.Row(v);
            Assert.Equal(1.0, row.ToArray().Sum(x => (double)x), 1e-5);
            Assert.DoesNotContain(row.ToArray(), x => x < 0 || !float.IsFinite(x));
        }
    }

    [Fact]
    public void Build_MatchesTheFormulaComputedInDoublePrecision()
    {
        var embeddings = RandomEmbeddings(40, 8, seed: 2);
        int[] anchors = [3, 7, 11, 19, 23, 31];
        var relative = RelativeRepresentation.Build(embeddings, anchors);

        for (var v = 0; v < embeddings.Rows; v++)
        {
            var cos = anchors.Select(a => Cosine(embeddings.Row(v).ToArray(), embeddings.Row(a).ToArray())).ToArray();
            var norm = Math.Sqrt(cos.Sum(c => c * c));
            var scaled = cos.Select(c => 100 * c / norm).ToArray();
            var max = scaled.Max();
            var total = scaled.Sum(s => Math.Exp(s - max));
            for (var a = 0; a < anchors.Length; a++)
            {
                Assert.Equal(Math.Exp(scaled[a] - max) / total, relative.Row(v)[a], 1e-4);
            }
        }
    }

    [Fact]
    public void Build_AnAnchorsOwnRowPeaksAtThatAnchor()
    {
        int[] anchors = [0, 5, 10, 15, 20, 25, 30, 35];
        var relative = RelativeRepresentation.Build(RandomEmbeddings(40, 16, seed: 3), anchors);

        for (var a = 0; a < anchors.Length; a++)
        {
            var row = relative.Row(anchors[a]).ToArray();
            Assert.Equal(a, Array.IndexOf(row, row.Max()));
        }
    }

    [Fact]
    public void Build_NoAnchorsOrAnchorOutsideTheMatrix_Throws()
    {
        var embeddings = RandomEmbeddings(10, 4, seed: 4);
        Assert.Throws<ArgumentException>(() => RelativeRepresentation.Build(embeddings, []));
        Assert.Throws<ArgumentOutOfRangeException>(() => RelativeRepresentation.Build(embeddings, [1, 10]));
    }

    [Fact]
    public void ReadSafetensors_TinyModelEmbeddings_HasVocabularyRowsOfWidth32()
    {
        var embeddings = EmbeddingMatrix.ReadSafetensors(DeePEnFixtures.TinyEmbeddings, "model.embed_tokens.weight");

        Assert.Equal(96, embeddings.Rows);
        Assert.Equal(32, embeddings.Columns);
        Assert.Contains(embeddings.Values, v => v != 0);
    }

    private static double Cosine(float[] x, float[] y)
    {
        double dot = 0, xx = 0, yy = 0;
        for (var i = 0; i < x.Length; i++)
        {
            dot += x[i] * (double)y[i];
            xx += x[i] * (double)x[i];
            yy += y[i] * (double)y[i];
        }

        return dot / Math.Sqrt(xx * yy);
    }
}
