namespace Kcm.Abstractions.Distillation;

/// <summary>How a distillation round ended.</summary>
[GenerateSerializer, Alias("kcm.distillation-outcome")]
public enum DistillationOutcome
{
    /// <summary>The candidate passed the check and is serving.</summary>
    Accepted,

    /// <summary>The check refused the candidate; serving is unchanged.</summary>
    Rejected,

    /// <summary>Training, storing or publishing failed; serving is unchanged.</summary>
    Failed,

    /// <summary>There were no teacher records.</summary>
    Empty,
}
