using Kcm.Abstractions.Classification;

namespace Kcm.Client;

/// <summary>
/// The cluster could not answer: the deadline passed, the silo is stopping or not ready, or no silo was reachable in the
/// tries and time allowed. Retriable.
/// </summary>
public sealed class KcmUnavailableException : KcmException
{
    public KcmUnavailableException(string message, ClassifyStatus? status, Exception? innerException = null)
        : base(message, retriable: true, innerException)
    {
        Status = status;
    }

    /// <summary>The status the silo answered with, or null for a connection, silo-unavailable or timeout failure.</summary>
    public ClassifyStatus? Status { get; }
}
