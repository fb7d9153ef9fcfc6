namespace Kcm.Client;

/// <summary>A generation refused before its first token: the request is wrong, or no slot freed in time.</summary>
public sealed class KcmGenerationRefusedException : KcmException
{
    public KcmGenerationRefusedException(string code, string message, bool retriable, Exception? innerException = null)
        : base(message, retriable, innerException)
    {
        Code = code;
    }

    /// <summary>The problem code, as the HTTP API names it (e.g. "invalid_request", "overloaded").</summary>
    public string Code { get; }
}
