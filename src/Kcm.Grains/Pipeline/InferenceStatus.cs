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

    /// <summary>The large model is out of reach (its workers or the broker); no sample was answered. Retriable.</summary>
    LargeModelUnavailable,

    /// <summary>
    /// The large model's output for a sample was not finite (its inputs are far outside what the model was trained on);
    /// no sample was answered. Not retriable: the input is at fault.
    /// </summary>
    NonFiniteOutput,
}
