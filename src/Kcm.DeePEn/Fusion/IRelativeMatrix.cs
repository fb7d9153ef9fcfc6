namespace Kcm.DeePEn.Fusion;

/// <summary>
/// A model's relative representation R (|V| x |A|, each row a distribution over anchors), dense or sparse: what the
/// fusion and the inverse search need from it.
/// </summary>
public interface IRelativeMatrix
{
    int VocabularySize { get; }

    int AnchorCount { get; }

    /// <summary>Bytes held by the matrix.</summary>
    long Bytes { get; }

    /// <summary>target += scale * R[token]: one row added into an anchor-space vector.</summary>
    void AccumulateRow(int token, float scale, Span<float> target);

    /// <summary>target += weight * (p R) over every token with non-zero probability.</summary>
    void AccumulateProjection(ReadOnlySpan<float> distribution, float weight, Span<float> target);

    /// <summary>relative = q R.</summary>
    void Project(ReadOnlySpan<float> distribution, Span<float> relative);

    /// <summary>result = R g: for each token v, the dot product of its row with an anchor-space vector g.</summary>
    void MultiplyTransposed(ReadOnlySpan<float> anchorVector, Span<float> result);
}
