namespace Kcm.Cli.Cluster;

/// <summary>An exclusive lock on the cluster folder, so two <c>up</c>/<c>down</c> runs never interleave.</summary>
internal static class ClusterLock
{
    public static FileStream Acquire(ClusterLayout layout)
    {
        Directory.CreateDirectory(layout.Folder);
        try
        {
            return new FileStream(layout.LockFile, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException)
        {
            throw new ClusterException($"Another 'kcm cluster up' or 'down' is running on {layout.Folder}.");
        }
    }
}
