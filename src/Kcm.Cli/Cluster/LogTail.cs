namespace Kcm.Cli.Cluster;

/// <summary>The last lines of a process's log, for error messages.</summary>
internal static class LogTail
{
    public static string Of(string log, int lines = 30)
    {
        try
        {
            return string.Join('\n', File.ReadLines(log).TakeLast(lines));
        }
        catch (IOException)
        {
            return "(no log)";
        }
    }
}
