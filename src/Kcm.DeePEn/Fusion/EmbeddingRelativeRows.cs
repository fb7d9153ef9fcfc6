using System.Numerics.Tensors;

namespace Kcm.DeePEn.Fusion;

/// <summary>
/// Rows of a model's relative representation R computed on demand from its embedding matrix: row v is
/// softmax(scale * c_v / ||c_v||) with c_v[a] = cos(E[v], E[anchor a]). Because the row is L2-normalised, E[v]'s own
/// norm cancels, so a row needs only the dot products with the anchors' embeddings and the anchors' inverse norms
/// (|A| floats kept here; the embedding matrix is the member's own). <see cref="RelativeRepresentation.Build"/> fills
/// every row this way; the sparse search fills the few rows that can still win (<see cref="DeePEnFusion"/>).
/// Immutable after construction, so one instance serves every decoding stream.
/// </summary>
public sealed class EmbeddingRelativeRows
{
    private readonly EmbeddingMatrix _embeddings;
    private readonly int[] _anchorIds;
    private readonly float[] _anchorInverseNorms;

    /// <param name="embeddings">The model's input embedding matrix E.</param>
    /// <param name="anchorIds">The model's id of each anchor.</param>
    /// <param name="scale">The sharpening factor (the reference's 100).</param>
    public EmbeddingRelativeRows(EmbeddingMatrix embeddings, ReadOnlySpan<int> anchorIds, float scale = RelativeRepresentation.DefaultScale)
    {
        ArgumentNullException.ThrowIfNull(embeddings);
        if (anchorIds.IsEmpty)
        {
            throw new ArgumentException("No anchors: the vocabularies share no token.", nameof(anchorIds));
        }

        if (!float.IsFinite(scale) || scale <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(scale), scale, "The scale must be a positive finite number.");
        }

        _anchorInverseNorms = new float[anchorIds.Length];
        for (var a = 0; a < anchorIds.Length; a++)
        {
            if ((uint)anchorIds[a] >= (uint)embeddings.Rows)
            {
                throw new ArgumentOutOfRangeException(nameof(anchorIds), anchorIds[a], $"Anchor id is outside the embedding matrix ({embeddings.Rows} rows).");
            }

            // A zero anchor embedding gets cosine 0 with every token.
            var norm = TensorPrimitives.Norm(embeddings.Row(anchorIds[a]));
            _anchorInverseNorms[a] = norm > 0 ? 1f / norm : 0f;
        }

        _embeddings = embeddings;
        _anchorIds = anchorIds.ToArray();
        Scale = scale;
    }

    public int VocabularySize => _embeddings.Rows;

    public int AnchorCount => _anchorIds.Length;

    public float Scale { get; }

    /// <summary>Bytes this object adds to the model's embedding matrix: the anchor ids and inverse norms.</summary>
    public long Bytes => (long)_anchorIds.Length * (sizeof(int) + sizeof(float));

    /// <summary>Writes row <paramref name="token"/> of R (|A| values summing to 1) into <paramref name="row"/>.</summary>
    public void FillRow(int token, Span<float> row)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(token);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(token, VocabularySize);
        if (row.Length != _anchorIds.Length)
        {
            throw new ArgumentException($"A row has {_anchorIds.Length} values (got a span of {row.Length}).", nameof(row));
        }

        var embedding = _embeddings.Row(token);
        for (var a = 0; a < row.Length; a++)
        {
            row[a] = TensorPrimitives.Dot(embedding, _embeddings.Row(_anchorIds[a]));
        }

        // c_v up to the factor 1 / ||E[v]||, which the row normalisation removes; a zero row becomes uniform.
        TensorPrimitives.Multiply(row, _anchorInverseNorms, row);
        var norm = TensorPrimitives.Norm(row);
        var factor = norm > 0 ? Scale / norm : 0f;
        TensorPrimitives.Multiply(row, factor, row);
        TensorPrimitives.Subtract(row, TensorPrimitives.Max(row), row);
        TensorPrimitives.Exp(row, row);
        TensorPrimitives.Divide(row, TensorPrimitives.Sum(row), row);
    }
}
