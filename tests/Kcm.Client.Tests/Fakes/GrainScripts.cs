using System.Collections.Concurrent;

namespace Kcm.Client.Tests.Fakes;

/// <summary>
/// What the fake grains do, per grain key (each test uses keys of its own), and how often each was called. Static because
/// the silo builds the grains; the test process is one.
/// </summary>
internal static class GrainScripts
{
    private static readonly ConcurrentDictionary<string, Func<int, object?, Task<object?>>> Scripts = new();
    private static readonly ConcurrentDictionary<string, int> Calls = new();
    private static readonly CancellationTokenSource Stopping = new();

    /// <summary>A key no other test uses.</summary>
    public static string NewKey(string prefix) => prefix + "-" + Guid.NewGuid().ToString("N")[..8];

    /// <summary>Makes the call <paramref name="call"/> on key <paramref name="key"/> run <paramref name="script"/> (given the 1-based attempt and the argument).</summary>
    public static void Set(string key, string call, Func<int, object?, Task<object?>> script) => Scripts[key + "/" + call] = script;

    /// <summary>How many times <paramref name="call"/> on <paramref name="key"/> ran.</summary>
    public static int CallsOf(string key, string call) => Calls.GetValueOrDefault(key + "/" + call);

    /// <summary>Runs the script of <paramref name="call"/> on <paramref name="key"/>, counting the call.</summary>
    public static async Task<T> RunAsync<T>(string key, string call, object? argument)
    {
        var attempt = Calls.AddOrUpdate(key + "/" + call, 1, (_, count) => count + 1);
        if (!Scripts.TryGetValue(key + "/" + call, out var script))
        {
            throw new InvalidOperationException($"No script for {call} on {key}.");
        }

        return (T)(await script(attempt, argument).ConfigureAwait(false))!;
    }

    /// <summary>A call that never answers (until the test process stops its silos).</summary>
    public static async Task<object?> NeverAsync()
    {
        await Task.Delay(Timeout.Infinite, Stopping.Token).ConfigureAwait(false);
        return null;
    }

    /// <summary>Ends every call that would never answer, so silos stop promptly.</summary>
    public static void ReleaseAll() => Stopping.Cancel();
}
