namespace Kcm.Client;

/// <summary>The large model's queue was full and no row was answered; retriable after a wait.</summary>
public sealed class KcmOverloadedException : KcmException
{
    public KcmOverloadedException(string message)
        : base(message, retriable: true)
    {
    }
}
