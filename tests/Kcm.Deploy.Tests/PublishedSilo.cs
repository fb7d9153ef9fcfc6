namespace Kcm.Deploy.Tests;

/// <summary>
/// xunit class fixture: the CPU image's build steps replayed in a clean folder (<see cref="ImageBuildSteps"/>) and the
/// published silo started as the image starts it. Training at first start is cut to a few seconds through settings.
/// </summary>
public sealed class PublishedSilo : IAsyncLifetime
{
    public const string AdminToken = "deploy-tests-admin-token";

    private readonly TemporaryFolder _folder = new();

    public ExternalCommand? Publish { get; private set; }

    public SiloProcess? Silo { get; private set; }

    public string Folder => _folder.Path;

    public async Task InitializeAsync()
    {
        var steps = new ImageBuildSteps(new ContainerPaths(_folder.Path));
        Publish = steps.RunBuildStage();
        if (Publish.ExitCode != 0)
        {
            return;
        }

        steps.AssembleFinalStage();
        var environment = steps.Environment();
        environment["Kcm__AdminToken"] = AdminToken;
        // A quick first start: the judge and small model learn from 1,000 images for one epoch.
        environment["Kcm__Embedded__SeedSamples"] = "1000";
        environment["Kcm__Embedded__Epochs"] = "1";
        var (command, workingDirectory) = steps.Entrypoint();
        Silo = new SiloProcess(command, workingDirectory, environment);
        await Silo.WaitUntilReadyAsync(TimeSpan.FromMinutes(3));
    }

    public Task DisposeAsync()
    {
        Silo?.Dispose();
        _folder.Dispose();
        return Task.CompletedTask;
    }
}
