namespace Kcm.Models.Sources;

/// <summary>Resolves configured paths: absolute as given, relative under <c>KCM_HOME</c> (set by ./kcm) or the working folder.</summary>
public static class KcmPaths
{
    /// <summary>The folder relative paths start from.</summary>
    public static string Home => Environment.GetEnvironmentVariable("KCM_HOME") is { Length: > 0 } home ? home : Directory.GetCurrentDirectory();

    /// <summary><paramref name="path"/> made absolute.</summary>
    public static string Resolve(string path) => Path.IsPathRooted(path) ? path : Path.GetFullPath(Path.Combine(Home, path));
}
