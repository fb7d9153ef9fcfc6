namespace Kcm.Client;

/// <summary>Base of every failure <see cref="KcmClient"/> reports, besides argument errors and the caller's cancellation.</summary>
public abstract class KcmException : Exception
{
    protected KcmException(string message, bool retriable, Exception? innerException = null)
        : base(message, innerException)
    {
        Retriable = retriable;
    }

    /// <summary>Whether the same call may succeed later (after a wait, or on another silo).</summary>
    public bool Retriable { get; }
}
