namespace Kcm.Grains.Pipeline;

/// <summary>How an inference batch ended.</summary>
public enum InferenceStatus
{
    /// <summary>Every sample was answered.</summary>
    Completed,

    /// <summary>The large model's queue was full; no sample was answered. Retriable.</summary>
    Overloaded,

    /// <summary>The large model could not answer before the deadline. Retriable.</summary>
    DeadlineExceeded,

    /// <summary>The node is stopping. Retriable elsewhere.</summary>
    ShuttingDown,
}
