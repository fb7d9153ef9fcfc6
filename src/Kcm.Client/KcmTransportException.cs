namespace Kcm.Client;

/// <summary>The server could not be reached or its answer could not be read (after any retries).</summary>
public sealed class KcmTransportException(string message, Exception? innerException = null)
    : KcmException(message, innerException);
