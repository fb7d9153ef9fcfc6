using System.Diagnostics;
using System.Text;

namespace Kcm.Benchmarks.Cluster;

/// <summary>The built <c>kcm</c> CLI (kcm.dll), run as child processes: <c>cluster up|down</c>, single silos.</summary>
internal sealed class KcmProgram(string assembly)
{
    public string Assembly { get; } = assembly;

    /// <summary>
    /// Finds kcm.dll: the given path, else next to this benchmark's output (the artifacts layout, or ./kcm's
    /// src/Kcm.Cli/bin/Release). ./kcm bench builds the whole solution first, so it is there.
    /// </summary>
    public static KcmProgram Locate(string? given)
    {
        var here = AppContext.BaseDirectory;
        var home = Environment.GetEnvironmentVariable("KCM_HOME") ?? Directory.GetCurrentDirectory();
        string[] candidates = given is not null
            ? [Path.GetFullPath(given)]
            :
            [
                Path.GetFullPath(Path.Combine(here, "..", "..", "Kcm.Cli", Path.GetFileName(Path.TrimEndingDirectorySeparator(here)), "kcm.dll")),
                Path.Combine(home, "src", "Kcm.Cli", "bin", "Release", "net10.0", "kcm.dll"),
            ];
        return candidates.FirstOrDefault(File.Exists) is { } found
            ? new KcmProgram(found)
            : throw new FileNotFoundException($"kcm.dll not found (looked at {string.Join(", ", candidates)}); build src/Kcm.Cli or pass --kcm.");
    }

    /// <summary>Runs kcm to completion; throws with its output when it fails.</summary>
    public async Task<string> RunAsync(IEnumerable<string> arguments, TimeSpan timeout)
    {
        using var process = Process.Start(StartInfo(arguments, redirect: true)) ?? throw new InvalidOperationException("dotnet did not start.");
        var output = new StringBuilder();
        var reading = Task.WhenAll(
            Task.Run(async () => output.Append(await process.StandardOutput.ReadToEndAsync().ConfigureAwait(false))),
            Task.Run(async () => output.Append(await process.StandardError.ReadToEndAsync().ConfigureAwait(false))));
        using var cancel = new CancellationTokenSource(timeout);
        await process.WaitForExitAsync(cancel.Token).ConfigureAwait(false);
        await reading.ConfigureAwait(false);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"kcm {string.Join(' ', arguments)} failed ({process.ExitCode}):\n{output}");
        }

        return output.ToString();
    }

    /// <summary>Starts <c>kcm arguments</c> (a silo) with its output discarded; the caller stops it.</summary>
    public Process Start(IEnumerable<string> arguments)
    {
        var process = Process.Start(StartInfo(arguments, redirect: true)) ?? throw new InvalidOperationException("dotnet did not start.");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private ProcessStartInfo StartInfo(IEnumerable<string> arguments, bool redirect)
    {
        var start = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = redirect, RedirectStandardError = redirect };
        start.ArgumentList.Add(Assembly);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        return start;
    }
}
