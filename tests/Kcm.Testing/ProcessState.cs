namespace Kcm.Testing;

/// <summary>What /proc says of a process id.</summary>
public static class ProcessState
{
    /// <summary>Whether <paramref name="pid"/> runs (an exited process not yet reaped by its parent is a zombie: it does not).</summary>
    public static bool Runs(int pid)
    {
        try
        {
            // The state follows the command name, which is in parentheses and may itself hold ") ".
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[stat.LastIndexOf(')') + 2] != 'Z';
        }
        catch (IOException)
        {
            return false;
        }
    }
}
