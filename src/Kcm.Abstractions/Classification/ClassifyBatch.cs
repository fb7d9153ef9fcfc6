namespace Kcm.Abstractions.Classification;

/// <summary>A batch to classify: <paramref name="Rows"/> samples, their features row after row.</summary>
/// <param name="Features">Rows x the model's input size, row-major. Owned by the message: never changed after sending.</param>
/// <param name="Rows">Samples in the batch (at least 1).</param>
/// <param name="ReturnProbabilities">Whether the answer carries every row's class probabilities.</param>
/// <remarks>Serialized through <see cref="ClassifyBatchSurrogate"/>: the features travel as one run of bytes.</remarks>
[Immutable, Alias("kcm.classify-batch")]
public sealed record ClassifyBatch(float[] Features, int Rows, bool ReturnProbabilities = false);

/// <summary>The wire form of <see cref="ClassifyBatch"/>: its features as one run of bytes.</summary>
[GenerateSerializer, Immutable, Alias("kcm.classify-batch.packed")]
public struct ClassifyBatchSurrogate
{
    [Id(0)] public PackedFloats Features;
    [Id(1)] public int Rows;
    [Id(2)] public bool ReturnProbabilities;
}

/// <summary>Converts <see cref="ClassifyBatch"/> to and from its wire form.</summary>
[RegisterConverter]
public sealed class ClassifyBatchConverter : IConverter<ClassifyBatch, ClassifyBatchSurrogate>
{
    public ClassifyBatch ConvertFromSurrogate(in ClassifyBatchSurrogate surrogate) =>
        new(surrogate.Features.Values, surrogate.Rows, surrogate.ReturnProbabilities);

    public ClassifyBatchSurrogate ConvertToSurrogate(in ClassifyBatch value) => new()
    {
        Features = new(value.Features), Rows = value.Rows, ReturnProbabilities = value.ReturnProbabilities,
    };
}
