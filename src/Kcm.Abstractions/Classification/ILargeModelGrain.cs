using Orleans.CodeGeneration;

namespace Kcm.Abstractions.Classification;

/// <summary>
/// The large model on a gpu silo: a stateless worker whose local activations feed one silo-local dynamic batcher that
/// owns the ONNX Runtime session. Its confident answers go onto the teacher queue. Key: model name.
/// </summary>
[Alias("kcm.large"), Version(1)]
public interface ILargeModelGrain : IGrainWithStringKey
{
    /// <summary>Class probabilities for every row, or none with a status that says why.</summary>
    [Alias("infer")]
    Task<LargeModelAnswer> InferAsync(LargeModelBatch batch);

    /// <summary>What the large model is: name, hint input, sizes.</summary>
    [Alias("describe")]
    Task<LargeModelDescription> DescribeAsync();
}
