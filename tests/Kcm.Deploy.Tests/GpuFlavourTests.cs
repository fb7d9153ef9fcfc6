using System.Text.RegularExpressions;

namespace Kcm.Deploy.Tests;

/// <summary>
/// The GPU image's build stage replayed here (a clean copy of src/, so its own bin/ and obj/): the silo published with
/// -p:KcmOnnxRuntime=gpu carries the CUDA provider library, and started as the image starts it, asking for CUDA on
/// this GPU-less machine, it stops at start naming the library that did not load: no silent CPU fallback.
/// </summary>
[Collection(nameof(HeavyBuildCollection))]
public sealed partial class GpuFlavourTests
{
    [Fact]
    public async Task GpuImageBuildStage_PublishesTheCudaProvider_AndASiloAskingForCudaStopsNamingWhatIsMissing()
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
        var (command, workingDirectory) = steps.Entrypoint();
        using var silo = new SiloProcess(command, workingDirectory, environment);

        Assert.True(await silo.WaitForExitAsync(TimeSpan.FromMinutes(3)), "The silo kept running although CUDA cannot load here:\n" + silo.RecentLog);
        var log = silo.RecentLog;
        Assert.Contains("OnnxProviderUnavailableException", log);
        Assert.Contains("No CPU fallback is made", log);
        Assert.True(MissingLibrary().IsMatch(log), "The failure does not name a missing library:\n" + log);
        Assert.DoesNotContain("Ready:", log);
    }

    // ONNX Runtime's text for a provider library whose dependencies are absent, e.g. "libcublasLt.so.13: cannot open shared object file".
    [GeneratedRegex(@"lib[A-Za-z0-9_+-]+\.so(\.[0-9]+)*: cannot open shared object file")]
    private static partial Regex MissingLibrary();
}
