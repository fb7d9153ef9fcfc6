namespace Kcm.Grains.Distillation;

/// <summary>Why a teacher record was refused: the <see cref="Tag"/> values of <c>kcm_teacher_records_dropped_total</c>.</summary>
public static class TeacherRefusal
{
    /// <summary>The metric tag naming the reason.</summary>
    public const string Tag = "reason";

    /// <summary>The queue's bound was reached (serving never waits for room).</summary>
    public const string Full = "full";

    /// <summary>The queue already holds a record with that id.</summary>
    public const string Duplicate = "duplicate";

    /// <summary>The record is larger than one queue message can carry.</summary>
    public const string TooLarge = "too-large";

    /// <summary>A received message's bytes could not be decoded into records.</summary>
    public const string Undecodable = "undecodable";

    /// <summary>Training threw on the round's records (they would fail again, so they are consumed).</summary>
    public const string TrainingFailed = "training-failed";

    /// <summary>Records still buffered when a silo stopped and its time to send them ran out.</summary>
    public const string Unsent = "unsent-at-stop";
}
