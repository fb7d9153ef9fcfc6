namespace Kcm.Abstractions.Security;

/// <summary>
/// A silo refused an <see cref="AdminCallAttribute"/> call from a client: it carried no admin credential, the wrong
/// one, or the silos have none configured (admin calls disabled). Not retriable with the same credential.
/// </summary>
[GenerateSerializer, Alias("kcm.admin-call-refused")]
public sealed class AdminCallRefusedException : Exception
{
    public AdminCallRefusedException()
        : base("The admin call was refused.")
    {
    }

    public AdminCallRefusedException(string message)
        : base(message)
    {
    }

    public AdminCallRefusedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
