namespace Kcm.Client;

/// <summary>Base of every failure <see cref="KcmClient"/> reports (besides argument errors and caller cancellation).</summary>
public abstract class KcmException : Exception
{
    protected KcmException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}
