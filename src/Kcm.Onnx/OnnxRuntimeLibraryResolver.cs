namespace Kcm.Onnx;

/// <summary>
/// Finds libonnxruntime.so.1. An explicit configured path is the only candidate when given (a wrong setting should
/// fail, not load some other library). Otherwise, in order: $KCM_ONNXRUNTIME_PATH, $KCM_HOME/.native/...,
/// then .native/... in each folder from the application's base directory upwards.
/// </summary>
public sealed class OnnxRuntimeLibraryResolver
{
    public const string PathVariable = "KCM_ONNXRUNTIME_PATH";
    public const string HomeVariable = "KCM_HOME";
    public const string RuntimeVersion = "1.30.0";
    public static readonly string RelativeLibraryPath = Path.Combine(".native", $"onnxruntime-{RuntimeVersion}", "libonnxruntime.so.1");

    public OnnxRuntimeLibraryResolver(string? configuredPath, string? environmentPath, string? kcmHome, string baseDirectory)
    {
        var candidates = new List<OnnxLibraryCandidate>();
        if (!string.IsNullOrWhiteSpace(configuredPath))
        {
            candidates.Add(new OnnxLibraryCandidate("configured LibraryPath", Path.GetFullPath(configuredPath)));
        }
        else
        {
            if (!string.IsNullOrWhiteSpace(environmentPath))
            {
                candidates.Add(new OnnxLibraryCandidate(PathVariable, Path.GetFullPath(environmentPath)));
            }

            if (!string.IsNullOrWhiteSpace(kcmHome))
            {
                candidates.Add(new OnnxLibraryCandidate(HomeVariable, Path.GetFullPath(Path.Combine(kcmHome, RelativeLibraryPath))));
            }

            for (var folder = new DirectoryInfo(Path.GetFullPath(baseDirectory)); folder is not null; folder = folder.Parent)
            {
                candidates.Add(new OnnxLibraryCandidate("application folder or a parent", Path.Combine(folder.FullName, RelativeLibraryPath)));
            }
        }

        Candidates = candidates.AsReadOnly();
    }

    /// <summary>Every place looked at, in order.</summary>
    public IReadOnlyList<OnnxLibraryCandidate> Candidates { get; }

    /// <summary>A resolver reading the process environment and <see cref="AppContext.BaseDirectory"/>.</summary>
    public static OnnxRuntimeLibraryResolver FromEnvironment(string? configuredPath = null) => new(
        configuredPath,
        Environment.GetEnvironmentVariable(PathVariable),
        Environment.GetEnvironmentVariable(HomeVariable),
        AppContext.BaseDirectory);

    /// <summary>The first candidate that exists, as a full path; throws <see cref="OnnxRuntimeNotFoundException"/> listing all of them otherwise.</summary>
    public string Resolve()
    {
        foreach (var candidate in Candidates)
        {
            if (File.Exists(candidate.Path))
            {
                return candidate.Path;
            }
        }

        throw new OnnxRuntimeNotFoundException(Candidates.Select(c => c.ToString() + ": no such file").ToArray());
    }
}
