using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using Kcm.Testing;

namespace Kcm.Deploy.Tests;

/// <summary>
/// The GPU image's build stage replayed here (a clean copy of src/, so its own bin/ and obj/): the silo published with
/// -p:KcmOnnxRuntime=gpu carries the CUDA provider library, and started as the image starts it, asking for CUDA on
/// this GPU-less machine, it never becomes ready and names the library that did not load: no silent CPU fallback.
/// </summary>
[Collection(nameof(HeavyBuildCollection))]
public sealed partial class GpuFlavourTests
{
    [Fact]
    public async Task GpuImageBuildStage_PublishesTheCudaProvider_AndASiloAskingForCudaNeverGetsReady_NamingWhatIsMissing()
    {
        using var folder = new TemporaryFolder();
        var steps = new ImageBuildSteps(new ContainerPaths(folder.Path), ImageBuildSteps.GpuDockerfile);

        var publish = steps.RunBuildStage();

        Assert.True(publish.ExitCode == 0, "The GPU Dockerfile's build stage failed:\n" + publish.Output);
        var app = steps.Paths.Host("/app");
        Assert.True(File.Exists(Path.Combine(app, "libonnxruntime_providers_cuda.so")), "no CUDA provider library in " + app);
        Assert.True(File.Exists(Path.Combine(app, "libonnxruntime.so")));
        // linux-x64 only: no other platform's natives, no Windows CUDA libraries (the .Gpu meta-package would add them).
        Assert.False(Directory.Exists(Path.Combine(app, "runtimes")), "natives of other platforms in " + app);
        Assert.DoesNotContain(Directory.GetFiles(app, "*.dll"), f => Path.GetFileName(f).StartsWith("cu", StringComparison.OrdinalIgnoreCase) || Path.GetFileName(f) == "onnxruntime.dll");

        steps.AssembleFinalStage();
        var environment = steps.Environment();
        Assert.Equal("Cuda", environment["Kcm__Embedded__ExecutionProvider"]);
        environment["Kcm__Embedded__SeedSamples"] = "1000";
        environment["Kcm__Embedded__Epochs"] = "1";
        environment["Kcm__Orleans__SiloPort"] = LoopbackPort.Free().ToString(CultureInfo.InvariantCulture);
        environment["Kcm__Orleans__GatewayPort"] = LoopbackPort.Free().ToString(CultureInfo.InvariantCulture);
        var (command, workingDirectory) = steps.Entrypoint();
        using var silo = new SiloProcess(command, workingDirectory, environment);

        // The silo either stops at start or stays up and never ready; either way it says what did not load.
        var failure = await LoadFailureAsync(silo, TimeSpan.FromMinutes(3));
        Assert.True(failure is not null, "The silo became ready although CUDA cannot load here:\n" + silo.RecentLog);
        Assert.Contains("CUDA", failure, StringComparison.OrdinalIgnoreCase);
        Assert.True(MissingLibrary().IsMatch(failure), "The failure does not name a missing library:\n" + failure);
    }

    /// <summary>
    /// The silo's load failure: its log when it exited, or its /readyz problem (503) once it names the failure; null when
    /// it became ready. Throws when neither happened within <paramref name="timeout"/>.
    /// </summary>
    private static async Task<string?> LoadFailureAsync(SiloProcess silo, TimeSpan timeout)
    {
        var until = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < until)
        {
            if (await silo.WaitForExitAsync(TimeSpan.FromMilliseconds(500)))
            {
                return silo.RecentLog;
            }

            try
            {
                using var ready = await silo.Http.GetAsync("readyz");
                if (ready.StatusCode == HttpStatusCode.OK)
                {
                    return null;
                }

                var body = await ready.Content.ReadAsStringAsync();
                if (MissingLibrary().IsMatch(body))
                {
                    return body;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
        }

        throw new TimeoutException("The silo neither stopped nor named a load failure in time:\n" + silo.RecentLog);
    }

    // ONNX Runtime's text for a provider library whose dependencies are absent, e.g. "libcublasLt.so.13: cannot open shared object file".
    [GeneratedRegex(@"lib[A-Za-z0-9_+-]+\.so(\.[0-9]+)*: cannot open shared object file")]
    private static partial Regex MissingLibrary();
}
