namespace Kcm.Deploy.Tests;

/// <summary>A fresh folder under the system temp folder, removed on dispose.</summary>
public sealed class TemporaryFolder : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("kcm-deploy-tests-").FullName;

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A temp folder left behind is harmless; never fail a test on cleanup.
        }
    }
}
