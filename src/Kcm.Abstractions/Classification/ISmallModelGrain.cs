using Orleans.CodeGeneration;

namespace Kcm.Abstractions.Classification;

/// <summary>Runs the serving small model beside its caller (a stateless worker: no network hop). Key: model name.</summary>
[Alias("kcm.small"), Version(1)]
public interface ISmallModelGrain : IGrainWithStringKey
{
    /// <summary>Class probabilities for every row, from the serving version.</summary>
    [Alias("predict")]
    Task<SmallModelAnswer> PredictAsync(ModelInput input);
}
