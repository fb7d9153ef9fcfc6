using System.Text.RegularExpressions;
using Kcm.Testing;

namespace Kcm.Deploy.Tests;

/// <summary>
/// A Dockerfile's steps replayed on this machine: the build stage's COPYs into a clean build context and its RUN
/// (dotnet publish, which brings ONNX Runtime's native libraries from NuGet) for real; the final stage's COPYs of the
/// repository's files (the published silo is already in place), and its ENV and ENTRYPOINT.
/// </summary>
public sealed partial class ImageBuildSteps
{
    public const string CpuDockerfile = "deploy/docker/Dockerfile";
    public const string GpuDockerfile = "deploy/docker/Dockerfile.gpu";

    // A first publish of the GPU flavour restores about 300 MB of packages on a shared machine.
    private static readonly TimeSpan RunTimeout = TimeSpan.FromMinutes(15);

    private readonly DockerfileInstructions _dockerfile;

    public ImageBuildSteps(ContainerPaths paths, string dockerfilePath = CpuDockerfile)
    {
        Paths = paths;
        DockerfilePath = dockerfilePath;
        _dockerfile = new DockerfileInstructions(dockerfilePath);
    }

    public ContainerPaths Paths { get; }

    public string DockerfilePath { get; }

    /// <summary>Copies the build stage's COPY sources (a clean context: no bin/obj) and runs its RUN steps.</summary>
    public ExternalCommand RunBuildStage()
    {
        var stage = Stage("build");
        var workdir = Paths.Host(Assert.Single(stage, i => i.Keyword == "WORKDIR").Arguments);
        Directory.CreateDirectory(workdir);
        foreach (var copy in stage.Where(i => i.Keyword == "COPY").Select(i => i.Arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries)))
        {
            var destination = Path.Combine(workdir, copy[^1]);
            foreach (var source in copy[..^1])
            {
                CopyFromRepository(source, source.EndsWith('/') ? destination : Path.Combine(destination, source));
            }
        }

        ExternalCommand? last = null;
        foreach (var run in stage.Where(i => i.Keyword == "RUN"))
        {
            last = ExternalCommand.Run("bash", ["-c", Paths.Rewrite(run.Arguments) + " -m:1"], workdir, RunTimeout);
            if (last.ExitCode != 0)
            {
                return last;
            }
        }

        return last ?? throw new InvalidOperationException("The build stage has no RUN step.");
    }

    /// <summary>
    /// The final stage's files from the repository (the models). COPYs from other stages need nothing: the build
    /// stage published into the final stage's /app, and the .NET runtime here is the machine's own.
    /// </summary>
    public void AssembleFinalStage()
    {
        foreach (var copy in FinalStage.Where(i => i.Keyword == "COPY").Select(i => i.Arguments.Split(' ')))
        {
            if (!copy[0].StartsWith("--from=", StringComparison.Ordinal))
            {
                CopyFromRepository(copy[0], Paths.Host(copy[1]));
            }
        }

        foreach (var run in FinalStage.Where(i => i.Keyword == "RUN"))
        {
            // apt-get installs dataset-fashion-mnist (and the GPU image's base packages), which this machine has; the rest
            // makes writable folders.
            foreach (var folder in MkdirTarget().Matches(run.Arguments).Select(m => m.Groups[1].Value))
            {
                Directory.CreateDirectory(Paths.Host(folder));
            }
        }
    }

    /// <summary>The final stage's ENV, with image paths mapped to host folders.</summary>
    public Dictionary<string, string> Environment() =>
        FinalStage.Where(i => i.Keyword == "ENV")
            .SelectMany(i => EnvPair().Matches(i.Arguments))
            .ToDictionary(m => m.Groups[1].Value, m => Paths.Rewrite(m.Groups[2].Value));

    /// <summary>The ENTRYPOINT's program and arguments, mapped; and the WORKDIR it starts in.</summary>
    public (string[] Command, string WorkingDirectory) Entrypoint()
    {
        var entrypoint = Assert.Single(FinalStage, i => i.Keyword == "ENTRYPOINT").Arguments;
        var command = Regex.Matches(entrypoint, "\"([^\"]*)\"").Select(m => Paths.Rewrite(m.Groups[1].Value)).ToArray();
        return (command, Paths.Host(FinalStage.Last(i => i.Keyword == "WORKDIR").Arguments));
    }

    private List<(string Keyword, string Arguments)> FinalStage => [.. _dockerfile.FinalStage];

    private List<(string Keyword, string Arguments)> Stage(string name)
    {
        var all = _dockerfile.All.ToList();
        var start = all.FindIndex(i => i.Keyword == "FROM" && i.Arguments.EndsWith(" AS " + name, StringComparison.Ordinal));
        Assert.True(start >= 0, $"{DockerfilePath} has no stage {name}.");
        var end = all.FindIndex(start + 1, i => i.Keyword == "FROM");
        return all[start..(end < 0 ? all.Count : end)];
    }

    private static void CopyFromRepository(string source, string destination)
    {
        var from = RepositoryRoot.Combine(source.TrimEnd('/').Split('/'));
        if (File.Exists(from))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
            File.Copy(from, destination, overwrite: true);
            return;
        }

        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(from, file);
            // The build context leaves out build output (.dockerignore: **/bin/, **/obj/).
            if (relative.Split(Path.DirectorySeparatorChar).Any(part => part is "bin" or "obj"))
            {
                continue;
            }

            var target = Path.Combine(destination, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target, overwrite: true);
        }
    }

    [GeneratedRegex(@"mkdir -p (\S+)")]
    private static partial Regex MkdirTarget();

    [GeneratedRegex(@"([A-Za-z_][A-Za-z0-9_]*)=(\S+)")]
    private static partial Regex EnvPair();
}
