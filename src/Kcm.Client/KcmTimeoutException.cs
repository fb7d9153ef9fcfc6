namespace Kcm.Client;

/// <summary>A call ran out of time: its last attempt or the overall limit (see <see cref="KcmClientOptions"/>).</summary>
public sealed class KcmTimeoutException(string message, Exception? innerException = null)
    : KcmException(message, innerException);
