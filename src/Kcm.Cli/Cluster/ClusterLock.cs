namespace Kcm.Cli.Cluster;

/// <summary>An exclusive lock on a cluster folder, so two <c>up</c>/<c>down</c> runs never interleave.</summary>
internal static class ClusterLock
{
    /// <summary>The lock file inside a cluster folder.</summary>
    public const string FileName = ".lock";

    public static FileStream Acquire(string folder)
    {
        PrivateFile.CreateFolder(folder);
        try
        {
            return new FileStream(Path.Combine(folder, FileName), PrivateFile.Options(FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None));
        }
        catch (IOException)
        {
            throw new ClusterException($"Another 'kcm cluster up' or 'down' is running on {folder}: wait for it, or use another --folder.");
        }
    }
}
