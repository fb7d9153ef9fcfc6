using Kcm.Contracts;
using Kcm.Silo.Hosting;

namespace Kcm.Cli.Demo;

/// <summary>The embedded silo's figures, read in process from its <see cref="DistillationTally"/>.</summary>
internal sealed class EmbeddedDistillationFigures(DistillationTally tally, string model) : IDistillationFigures
{
    public Task<DistillationInfo> ReadAsync(CancellationToken cancellationToken) => Task.FromResult(tally.Read(model));
}
