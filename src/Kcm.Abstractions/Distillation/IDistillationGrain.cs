using Kcm.Abstractions.Security;
using Orleans.CodeGeneration;

namespace Kcm.Abstractions.Distillation;

/// <summary>
/// Distillation of one model (key: model name), only on silos with the distiller role: takes teacher records, trains
/// candidates off its turn, checks them and publishes the accepted ones through the registry.
/// </summary>
[Alias("kcm.distillation"), Version(1)]
public interface IDistillationGrain : IGrainWithStringKey
{
    /// <summary>Runs a round now on the records waiting (after a round already running). Training takes minutes.</summary>
    [Alias("run-round"), AdminCall, ResponseTimeout("00:15:00")]
    Task<DistillationRoundResult> RunRoundAsync();

    /// <summary>The rounds and records counted since the grain activated.</summary>
    [Alias("status")]
    Task<DistillationStatus> GetStatusAsync();
}
