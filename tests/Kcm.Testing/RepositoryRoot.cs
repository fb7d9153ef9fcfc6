using System.Reflection;

namespace Kcm.Testing;

/// <summary>Paths inside the repository, fixed at build time so tests work from any output folder.</summary>
public static class RepositoryRoot
{
    /// <summary>The repository's root folder (where Kcm.sln is).</summary>
    public static string Path { get; } = typeof(RepositoryRoot).Assembly
        .GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "KcmRepositoryRoot").Value!;

    /// <summary>A path below the repository root.</summary>
    public static string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);
}
