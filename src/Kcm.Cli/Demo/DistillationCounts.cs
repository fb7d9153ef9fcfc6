using Kcm.Abstractions.Distillation;

namespace Kcm.Cli.Demo;

/// <summary>Distillation rounds by outcome, as the live bar and the report show them.</summary>
internal sealed record DistillationCounts(int Accepted, int Rejected, int Failed, int Empty)
{
    public static DistillationCounts None { get; } = new(0, 0, 0, 0);

    public int Total => Accepted + Rejected + Failed + Empty;

    /// <summary>From the distillation grain's status.</summary>
    public static DistillationCounts From(DistillationStatus status) =>
        new((int)status.RoundsAccepted, (int)status.RoundsRejected, (int)status.RoundsFailed, (int)status.RoundsEmpty);

    /// <summary>The rounds counted after <paramref name="start"/> (a cluster's grain keeps its counts across runs).</summary>
    public DistillationCounts Since(DistillationCounts start) =>
        new(Accepted - start.Accepted, Rejected - start.Rejected, Failed - start.Failed, Empty - start.Empty);
}
