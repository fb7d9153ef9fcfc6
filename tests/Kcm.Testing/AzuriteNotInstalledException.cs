namespace Kcm.Testing;

/// <summary>Azurite (or Node.js, which runs it) is not where ./kcm setup puts it, so no test can start it.</summary>
public sealed class AzuriteNotInstalledException : InvalidOperationException
{
    public AzuriteNotInstalledException()
        : this($"Azurite {AzuriteServer.Version} is not installed ({AzuriteServer.EntryScript} is missing): run ./kcm setup.")
    {
    }

    public AzuriteNotInstalledException(string message)
        : base(message)
    {
    }

    public AzuriteNotInstalledException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
