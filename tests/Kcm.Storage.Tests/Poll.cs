using System.Diagnostics;

namespace Kcm.Storage.Tests;

/// <summary>Waits for a condition the cluster reaches on its own time (a tick, a take-over), failing with what was awaited.</summary>
public static class Poll
{
    /// <summary>Evaluates <paramref name="condition"/> every <paramref name="interval"/> until it holds; throws after <paramref name="timeout"/>.</summary>
    public static async Task UntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string what, TimeSpan? interval = null)
    {
        var stopwatch = Stopwatch.StartNew();
        while (!await condition())
        {
            if (stopwatch.Elapsed > timeout)
            {
                throw new TimeoutException($"Not within {timeout.TotalSeconds:F0} s: {what}.");
            }

            await Task.Delay(interval ?? TimeSpan.FromMilliseconds(200));
        }
    }

    /// <summary>Synchronous-condition form of <see cref="UntilAsync(Func{Task{bool}}, TimeSpan, string, TimeSpan?)"/>.</summary>
    public static Task UntilAsync(Func<bool> condition, TimeSpan timeout, string what, TimeSpan? interval = null) =>
        UntilAsync(() => Task.FromResult(condition()), timeout, what, interval);
}
