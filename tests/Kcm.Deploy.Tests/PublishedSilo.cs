using System.Globalization;
using Kcm.Testing;

namespace Kcm.Deploy.Tests;

/// <summary>
/// xunit class fixture: the CPU image's build steps replayed in a clean folder (<see cref="ImageBuildSteps"/>) and the
/// published Orleans silo (src/Kcm.Silo) started as the image starts it, every role in one silo on localhost clustering
/// (free loopback ports for Orleans' silo and gateway ports). Settings only a test needs: training at first start cut
/// to a few seconds, distillation rounds on demand only, a fast poll, and a teacher queue small enough to overflow.
/// </summary>
public sealed class PublishedSilo : IAsyncLifetime
{
    public const string AdminToken = "deploy-tests-admin-token";

    /// <summary>The model the silo serves.</summary>
    public const string Model = "fashion-mnist";

    private readonly TemporaryFolder _folder = new();

    public ExternalCommand? Publish { get; private set; }

    public SiloProcess? Silo { get; private set; }

    public string Folder => _folder.Path;

    /// <summary>The silo's Orleans gateway port (the client SDK connects there).</summary>
    public int GatewayPort { get; } = LoopbackPort.Free();

    /// <summary>The local model store, as the image's /var/lib/kcm/store mapped here.</summary>
    public string StorePath => Path.Combine(_folder.Path, "var", "lib", "kcm", "store");

    /// <summary>Teacher records the silo's in-process queue holds; the tests' traffic makes more, so some are dropped.</summary>
    public const int TeacherQueueCapacity = 150;

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
        environment["Kcm__Orleans__SiloPort"] = LoopbackPort.Free().ToString(CultureInfo.InvariantCulture);
        environment["Kcm__Orleans__GatewayPort"] = GatewayPort.ToString(CultureInfo.InvariantCulture);
        // Rounds run when a test asks, so no round publishes a version in the middle of another test's checks.
        environment["Kcm__Distillation__Enabled"] = "false";
        environment["Kcm__Distillation__MinRecords"] = "1";
        environment["Kcm__PollMilliseconds"] = "500";
        environment["Kcm__TeacherQueueCapacity"] = TeacherQueueCapacity.ToString(CultureInfo.InvariantCulture);
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
