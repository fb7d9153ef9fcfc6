using System.Text.RegularExpressions;
using Kcm.Testing;

namespace Kcm.Deploy.Tests;

/// <summary>
/// What can be checked of deploy/docker without a Docker engine: the files the images copy exist and are in the build
/// context, base images are pinned, the image runs non-root with a health check, and ONNX Runtime comes from the NuGet
/// flavour the image asks for, and the image runs the Orleans silo (src/Kcm.Silo) (the publish itself is replayed in PublishedImageTests and GpuFlavourTests).
/// </summary>
public sealed partial class DockerfileTests
{
    public static TheoryData<string> Dockerfiles => new() { "deploy/docker/Dockerfile", "deploy/docker/Dockerfile.gpu" };

    [Theory]
    [MemberData(nameof(Dockerfiles))]
    public void EveryCopiedFile_ExistsInTheRepository_AndInTheBuildContext(string path)
    {
        var dockerfile = new DockerfileInstructions(path);
        var ignored = File.ReadLines(RepositoryRoot.Combine(".dockerignore"))
            .Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')).ToList();
        var stages = dockerfile.StageNames.ToHashSet();
        var copies = dockerfile.All.Where(i => i.Keyword is "COPY" or "ADD").ToList();
        Assert.NotEmpty(copies);
        foreach (var (_, arguments) in copies)
        {
            var parts = arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts[0].StartsWith("--from=", StringComparison.Ordinal))
            {
                Assert.Contains(parts[0]["--from=".Length..], stages);
                continue;
            }

            foreach (var source in parts.Where(p => !p.StartsWith("--", StringComparison.Ordinal)).SkipLast(1))
            {
                var local = RepositoryRoot.Combine(source.TrimEnd('/').Split('/'));
                Assert.True(File.Exists(local) || Directory.Exists(local), $"{path} copies {source}, which is not in the repository.");
                var excludedBy = ignored.FirstOrDefault(pattern => Excludes(pattern, source));
                Assert.True(excludedBy is null, $"{path} copies {source}, but .dockerignore excludes it ({excludedBy}).");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Dockerfiles))]
    public void EveryBaseImage_IsPinnedToAVersion(string path)
    {
        var dockerfile = new DockerfileInstructions(path);
        var stages = dockerfile.StageNames.ToHashSet();
        foreach (var from in dockerfile.Arguments("FROM"))
        {
            var image = from.Split(' ')[0];
            if (!stages.Contains(image))
            {
                Assert.True(PinnedImage().IsMatch(image), $"{path}: base image {image} is not pinned to a version or digest.");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Dockerfiles))]
    public void FinalImage_RunsTheOrleansSiloAsNonRoot_WithAHealthCheck_AndVolumesForWritablePaths(string path)
    {
        var final = new DockerfileInstructions(path).FinalStage.ToList();
        var user = Assert.Single(final, i => i.Keyword == "USER").Arguments;
        Assert.Matches(@"^[1-9][0-9]*(:[1-9][0-9]*)?$", user);
        Assert.Contains("/healthz", Assert.Single(final, i => i.Keyword == "HEALTHCHECK").Arguments);
        var volumes = Assert.Single(final, i => i.Keyword == "VOLUME").Arguments;
        Assert.Contains("\"/var/lib/kcm\"", volumes);
        Assert.Contains("\"/tmp\"", volumes);
        Assert.Equal("[\"dotnet\", \"/app/Kcm.Silo.dll\"]", Assert.Single(final, i => i.Keyword == "ENTRYPOINT").Arguments);
        Assert.True(File.Exists(RepositoryRoot.Combine("src", "Kcm.Silo", "Kcm.Silo.csproj")));
        // HTTP, the silo-to-silo port and the Orleans gateway; never the dashboard's (loopback only, set by configuration).
        Assert.Equal(["11111", "30000", "8080"], Assert.Single(final, i => i.Keyword == "EXPOSE").Arguments.Split(' ').Order());
        Assert.Contains(final, i => i.Keyword == "COPY" && i.Arguments == "models/ /app/models/");
    }

    [Theory]
    [InlineData("deploy/docker/Dockerfile", "cpu")]
    [InlineData("deploy/docker/Dockerfile.gpu", "gpu")]
    public void Image_TakesOnnxRuntimeFromItsNuGetFlavour_NotFromADownload(string path, string flavour)
    {
        var dockerfile = new DockerfileInstructions(path);
        var runs = dockerfile.Arguments("RUN").ToList();
        var publish = Assert.Single(runs, r => r.Contains("dotnet publish src/Kcm.Silo/Kcm.Silo.csproj", StringComparison.Ordinal));

        // No flavour argument means the default, which Directory.Build.props sets to cpu.
        Assert.Equal(flavour == "gpu", publish.Contains("-p:KcmOnnxRuntime=gpu", StringComparison.Ordinal));
        Assert.DoesNotContain(runs, r => r.Contains("onnxruntime", StringComparison.OrdinalIgnoreCase) && !r.Contains("dotnet publish", StringComparison.Ordinal));
        Assert.DoesNotContain(dockerfile.All, i => i.Arguments.Contains("KCM_ONNXRUNTIME_PATH", StringComparison.Ordinal));
        Assert.Contains("<KcmOnnxRuntime Condition=\"'$(KcmOnnxRuntime)' == ''\">cpu</KcmOnnxRuntime>", File.ReadAllText(RepositoryRoot.Combine("Directory.Build.props")));
    }

    [Fact]
    public void GpuImage_RunsOnCuda13WithCudnn9_AndAsksForTheCudaProvider()
    {
        var dockerfile = new DockerfileInstructions("deploy/docker/Dockerfile.gpu");

        // ONNX Runtime 1.32's CUDA provider loads the CUDA 13 and cuDNN 9 libraries.
        Assert.Matches(@"^nvidia/cuda:13\.[0-9.]+-cudnn-runtime-ubuntu", dockerfile.Arguments("FROM").Last());
        Assert.Contains(dockerfile.FinalStage, i => i.Keyword == "ENV" && i.Arguments.Contains("Kcm__Embedded__ExecutionProvider=Cuda", StringComparison.Ordinal));
    }

    [Fact]
    public void DockerIgnore_KeepsBuildOutputAndSecretsOut()
    {
        var ignored = File.ReadLines(RepositoryRoot.Combine(".dockerignore")).Select(l => l.Trim()).ToHashSet();
        foreach (var required in new[] { "**/bin/", "**/obj/", ".git/", ".native/", ".kcm/" })
        {
            Assert.Contains(required, ignored);
        }
    }

    // A pattern excludes a path when it names the path or one of its folders; "**/x/" names a folder x anywhere.
    private static bool Excludes(string pattern, string source)
    {
        var segments = source.TrimEnd('/').Split('/');
        if (pattern.StartsWith("**/", StringComparison.Ordinal))
        {
            return segments.Contains(pattern[3..].TrimEnd('/'));
        }

        var prefix = pattern.TrimEnd('/').Split('/');
        return prefix.Length <= segments.Length && prefix.SequenceEqual(segments.Take(prefix.Length));
    }

    [GeneratedRegex(@"^[^\s@]+(:(?!latest$)[A-Za-z0-9_.-]*\d[A-Za-z0-9_.-]*|@sha256:[0-9a-f]{64})$")]
    private static partial Regex PinnedImage();
}
