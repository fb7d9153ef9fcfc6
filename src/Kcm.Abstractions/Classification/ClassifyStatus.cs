namespace Kcm.Abstractions.Classification;

/// <summary>How a classification batch ended.</summary>
[GenerateSerializer, Alias("kcm.classify-status")]
public enum ClassifyStatus
{
    /// <summary>Every row was answered.</summary>
    Completed,

    /// <summary>The large model's queue was full; no row was answered. Retriable.</summary>
    Overloaded,

    /// <summary>The large model could not answer before the deadline. Retriable.</summary>
    DeadlineExceeded,

    /// <summary>The silo is stopping. Retriable elsewhere.</summary>
    ShuttingDown,

    /// <summary>No serving version is loaded yet on this silo. Retriable.</summary>
    NotReady,

    /// <summary>The batch is malformed (row count, feature count, non-finite features). Not retriable.</summary>
    InvalidInput,

    /// <summary>The large model's output for a row was not finite (an input far outside its training data). Not retriable.</summary>
    NonFiniteOutput,
}
