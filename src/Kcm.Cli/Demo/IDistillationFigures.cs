using Kcm.Contracts;

namespace Kcm.Cli.Demo;

/// <summary>Where the demo reads the distillation figures it shows and waits on.</summary>
internal interface IDistillationFigures
{
    /// <summary>The figures now: the embedded silo's, or a cluster's summed over its silos.</summary>
    Task<DistillationInfo> ReadAsync(CancellationToken cancellationToken);
}
