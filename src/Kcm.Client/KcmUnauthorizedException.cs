namespace Kcm.Client;

/// <summary>
/// A silo refused an admin call: the client carries no admin token (<see cref="KcmClientOptions.AdminToken"/>), the
/// wrong one, or the silos have none (admin calls disabled). Not retriable with the same options.
/// </summary>
public sealed class KcmUnauthorizedException : KcmException
{
    public KcmUnauthorizedException(string message, Exception innerException)
        : base(message, retriable: false, innerException)
    {
    }
}
