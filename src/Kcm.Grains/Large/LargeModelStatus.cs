namespace Kcm.Grains.Large;

/// <summary>How a large model request ended; expected failures are values, not exceptions.</summary>
public enum LargeModelStatus
{
    /// <summary>Logits were written.</summary>
    Completed,

    /// <summary>The bounded queue was full; nothing was queued. Retriable.</summary>
    QueueFull,

    /// <summary>The deadline passed before the request was run. Retriable.</summary>
    DeadlineExceeded,

    /// <summary>The pool is stopping; nothing was run. Retriable elsewhere.</summary>
    ShuttingDown,

    /// <summary>The large model is out of reach (e.g. the message broker is disconnected); nothing was run. Retriable.</summary>
    Unavailable,
}
