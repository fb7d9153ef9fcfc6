namespace Kcm.Grains.Ensemble;

/// <summary>Why a generation was refused before it started; the silo maps each to an HTTP status.</summary>
public enum GenerationRefusal
{
    /// <summary>The request itself is wrong (prompt, max_tokens, stop strings, mode name): 400.</summary>
    InvalidRequest,

    /// <summary>The ensemble cannot run the requested mode: 409.</summary>
    ModeUnavailable,

    /// <summary>Every slot is busy and the wait queue is full, or the wait timed out: 503, retriable.</summary>
    Overloaded,

    /// <summary>The grain is stopping: 503, retriable elsewhere.</summary>
    ShuttingDown,
}
