namespace Kcm.Grains.Distillation;

/// <summary>How a distillation round ended; also the tag value of <c>kcm_distillation_rounds_total</c>.</summary>
public enum DistillationRoundOutcome
{
    /// <summary>The candidate passed the guard and is serving.</summary>
    Accepted,

    /// <summary>The candidate was refused by the guard (or no candidate could be trained); serving is unchanged.</summary>
    Rejected,

    /// <summary>The round failed (training or storing threw); serving is unchanged.</summary>
    Failed,

    /// <summary>There were no teacher records.</summary>
    Empty,
}
