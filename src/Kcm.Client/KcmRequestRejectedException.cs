namespace Kcm.Client;

/// <summary>The cluster refused an admin request as it stands (an unknown version to roll back to, nothing before the first). Not retriable.</summary>
public sealed class KcmRequestRejectedException : KcmException
{
    public KcmRequestRejectedException(string message, Exception innerException)
        : base(message, retriable: false, innerException)
    {
    }
}
