using Orleans.CodeGeneration;

namespace Kcm.Abstractions.Classification;

/// <summary>
/// Scores a batch with the judge and routes it: rows the judge trusts to the small model, the rest to the large-model
/// pool with the small model's probabilities as the hint. One stateless worker per gpu silo and model (key: model name).
/// </summary>
[Alias("kcm.judge"), Version(1)]
public interface IJudgeGrain : IGrainWithStringKey
{
    /// <summary>Answers every row of <paramref name="batch"/>, or none with a status that says why.</summary>
    [Alias("classify")]
    Task<ClassifyResult> ClassifyAsync(ClassifyBatch batch);
}
