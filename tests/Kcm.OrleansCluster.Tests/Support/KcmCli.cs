using System.Diagnostics;
using System.Text;
using Kcm.Testing;

namespace Kcm.OrleansCluster.Tests.Support;

/// <summary>Runs the built <c>kcm</c> CLI as a child process, as a user would.</summary>
public static class KcmCli
{
    /// <summary>Runs <c>dotnet kcm.dll arguments</c> with KCM_HOME at the repository; returns the exit code and all output.</summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(IEnumerable<string> arguments, TimeSpan timeout)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = RepositoryRoot.Path,
        };
        start.ArgumentList.Add(BuiltPrograms.Cli);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["KCM_HOME"] = RepositoryRoot.Path;
        using var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start.");
        var output = new StringBuilder();
        var reading = Task.WhenAll(
            Task.Run(async () => output.Append(await process.StandardOutput.ReadToEndAsync())),
            Task.Run(async () => output.Append(await process.StandardError.ReadToEndAsync())));
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"kcm {string.Join(' ', arguments)} did not finish within {timeout}.");
        }

        await reading;
        return (process.ExitCode, output.ToString());
    }
}
