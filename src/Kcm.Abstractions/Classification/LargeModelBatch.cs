namespace Kcm.Abstractions.Classification;

/// <summary>Rows the judge sent to the large model.</summary>
/// <param name="Features">Rows x input size, row-major.</param>
/// <param name="Hints">Rows x classes: the small model's probabilities (ignored when the large model takes no hint).</param>
/// <param name="JudgeProbabilities">Rows x classes: the judge's probabilities, kept in the teacher records.</param>
/// <param name="Rows">Samples (at least 1).</param>
/// <remarks>Serialized through <see cref="LargeModelBatchSurrogate"/>: the arrays travel as runs of bytes.</remarks>
[Immutable, Alias("kcm.large-batch")]
public sealed record LargeModelBatch(float[] Features, float[] Hints, float[] JudgeProbabilities, int Rows);

/// <summary>The wire form of <see cref="LargeModelBatch"/>: its arrays as runs of bytes.</summary>
[GenerateSerializer, Immutable, Alias("kcm.large-batch.packed")]
public struct LargeModelBatchSurrogate
{
    [Id(0)] public PackedFloats Features;
    [Id(1)] public PackedFloats Hints;
    [Id(2)] public PackedFloats JudgeProbabilities;
    [Id(3)] public int Rows;
}

/// <summary>Converts <see cref="LargeModelBatch"/> to and from its wire form.</summary>
[RegisterConverter]
public sealed class LargeModelBatchConverter : IConverter<LargeModelBatch, LargeModelBatchSurrogate>
{
    public LargeModelBatch ConvertFromSurrogate(in LargeModelBatchSurrogate surrogate) => new(
        surrogate.Features.Values, surrogate.Hints.Values, surrogate.JudgeProbabilities.Values, surrogate.Rows);

    public LargeModelBatchSurrogate ConvertToSurrogate(in LargeModelBatch value) => new()
    {
        Features = new(value.Features), Hints = new(value.Hints), JudgeProbabilities = new(value.JudgeProbabilities), Rows = value.Rows,
    };
}
