using System.Globalization;

namespace Kcm.Silo.Tests.Support;

/// <summary>
/// CPU time of this process's threads, read from /proc/self/task: a process-wide total is not enough to say what
/// spends it, and a failing CPU check should name the threads that did.
/// </summary>
public sealed class ThreadCpu
{
    // /proc reports utime and stime in clock ticks; Linux's USER_HZ is 100 on every architecture .NET runs on.
    private const double TicksPerSecond = 100.0;

    private readonly Dictionary<int, (string Name, long Ticks)> _threads;

    private ThreadCpu(Dictionary<int, (string Name, long Ticks)> threads) => _threads = threads;

    /// <summary>Reads every thread's CPU time now.</summary>
    public static ThreadCpu Read()
    {
        var threads = new Dictionary<int, (string Name, long Ticks)>();
        foreach (var directory in Directory.EnumerateDirectories("/proc/self/task"))
        {
            try
            {
                var stat = File.ReadAllText(Path.Combine(directory, "stat"));
                // The name sits in parentheses and may itself hold spaces or ')'; the fields after it are plain.
                var open = stat.IndexOf('(');
                var close = stat.LastIndexOf(')');
                var fields = stat[(close + 2)..].Split(' ');
                // fields[0] is the state (field 3 of stat), so utime (field 14) and stime (field 15) are at 11 and 12.
                var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
                threads[int.Parse(Path.GetFileName(directory), CultureInfo.InvariantCulture)] = (stat[(open + 1)..close], ticks);
            }
            catch (IOException)
            {
                // The thread exited between the listing and the read.
            }
        }

        return new ThreadCpu(threads);
    }

    /// <summary>Seconds of CPU the threads spent since <paramref name="earlier"/> (threads that exited meanwhile are not counted).</summary>
    public double SecondsSince(ThreadCpu earlier) => Spent(earlier).Sum(thread => thread.Seconds);

    /// <summary>The <paramref name="count"/> threads that spent the most since <paramref name="earlier"/>, as "name (tid): seconds".</summary>
    public string Busiest(ThreadCpu earlier, int count) =>
        string.Join(", ", Spent(earlier).OrderByDescending(thread => thread.Seconds).Take(count)
            .Select(thread => $"{thread.Name} ({thread.Id}): {thread.Seconds:F2} s"));

    private IEnumerable<(int Id, string Name, double Seconds)> Spent(ThreadCpu earlier) =>
        _threads.Select(thread =>
        {
            var before = earlier._threads.TryGetValue(thread.Key, out var then) ? then.Ticks : 0;
            return (thread.Key, thread.Value.Name, (thread.Value.Ticks - before) / TicksPerSecond);
        });
}
