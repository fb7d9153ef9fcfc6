using System.Diagnostics;

namespace Kcm.Deploy.Tests;

/// <summary>Runs a command-line tool (kubectl, promtool) to completion and keeps its exit code and output.</summary>
public sealed record ExternalCommand(int ExitCode, string StandardOutput, string StandardError)
{
    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromMinutes(2);

    public string Output => StandardOutput + StandardError;

    /// <summary>Runs <paramref name="tool"/> (found on PATH) with <paramref name="arguments"/> in <paramref name="workingDirectory"/>.</summary>
    public static ExternalCommand Run(string tool, IEnumerable<string> arguments, string? workingDirectory = null, TimeSpan? timeout = null)
    {
        var limit = timeout ?? DefaultTimeout;
        var path = FindOnPath(tool)
            ?? throw new InvalidOperationException($"'{tool}' is not installed: run ./kcm setup (it installs the Debian packages kubectl and prometheus).");
        var start = new ProcessStartInfo(path)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Directory.GetCurrentDirectory(),
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {path}.");
        // Both streams are read concurrently so a tool that fills one pipe cannot block on it.
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(limit))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{tool} {string.Join(' ', arguments)} did not finish within {limit}.");
        }

        return new ExternalCommand(process.ExitCode, output.GetAwaiter().GetResult(), error.GetAwaiter().GetResult());
    }

    private static string? FindOnPath(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(folder => Path.Combine(folder, tool))
            .FirstOrDefault(File.Exists);
}
