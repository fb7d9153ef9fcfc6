namespace Kcm.DeePEn.Fusion;

/// <summary>Which form of a relative matrix a cache file holds (the header's kind field).</summary>
public enum RelativeMatrixKind
{
    /// <summary>A dense |V| x |A| float32 matrix (<see cref="RelativeRepresentation"/>).</summary>
    Dense = 1,

    /// <summary>Top-m excesses, their anchor indices and one tail per row (<see cref="SparseRelativeRepresentation"/>).</summary>
    Sparse = 2,
}
