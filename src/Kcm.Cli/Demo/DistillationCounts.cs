using Kcm.Contracts;

namespace Kcm.Cli.Demo;

/// <summary>Distillation rounds by outcome, as the live bar and the report show them.</summary>
internal sealed record DistillationCounts(int Accepted, int Rejected, int Failed, int Empty)
{
    public static DistillationCounts None { get; } = new(0, 0, 0, 0);

    public int Total => Accepted + Rejected + Failed + Empty;

    public static DistillationCounts From(DistillationInfo info) =>
        new((int)info.RoundsAccepted, (int)info.RoundsRejected, (int)info.RoundsFailed, (int)info.RoundsEmpty);

    public static async Task<DistillationCounts> ReadAsync(IDistillationFigures figures, CancellationToken cancellationToken) =>
        From(await figures.ReadAsync(cancellationToken).ConfigureAwait(false));
}
