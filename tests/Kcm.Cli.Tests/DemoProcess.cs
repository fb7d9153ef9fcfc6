using System.Diagnostics;
using System.Text;
using Kcm.Testing;

namespace Kcm.Cli.Tests;

/// <summary>
/// <c>kcm demo</c> as a process (the CLI built beside the tests, <c>dotnet kcm.dll demo ...</c>) in a home folder of its
/// own: KCM_HOME holds links to the repository's models/ and .native/ (Azurite), so the demo sees no cluster of the
/// repository's .kcm/cluster, and TMPDIR is a folder of its own, where the demo makes its temporary cluster. It runs in
/// its home folder (a relative --json path lands there).
/// </summary>
internal sealed class DemoProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly Lock _lock = new();

    private DemoProcess(Process process, string home)
    {
        _process = process;
        Home = home;
    }

    /// <summary>KCM_HOME of the process (deleted by <see cref="Dispose"/>).</summary>
    public string Home { get; }

    /// <summary>TMPDIR of the process, inside <see cref="Home"/>.</summary>
    public string Temporary => Path.Combine(Home, "tmp");

    public int Id => _process.Id;

    public string Output
    {
        get
        {
            lock (_lock)
            {
                return _output.ToString();
            }
        }
    }

    public static DemoProcess Start(params string[] arguments)
    {
        var home = Path.Combine(Path.GetTempPath(), "kcm-demo-home-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(Path.Combine(home, "tmp"));
        Directory.CreateSymbolicLink(Path.Combine(home, "models"), RepositoryRoot.Combine("models"));
        Directory.CreateSymbolicLink(Path.Combine(home, ".native"), RepositoryRoot.Combine(".native"));
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = home,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "kcm.dll"));
        start.ArgumentList.Add("demo");
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["KCM_HOME"] = home;
        start.Environment["TMPDIR"] = Path.Combine(home, "tmp");
        var process = new Process { StartInfo = start };
        var demo = new DemoProcess(process, home);
        process.OutputDataReceived += (_, e) => demo.Append(e.Data);
        process.ErrorDataReceived += (_, e) => demo.Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return demo;
    }

    public async Task WaitForLineAsync(Func<string, bool> wanted, TimeSpan timeout)
    {
        var stopwatch = Stopwatch.StartNew();
        while (stopwatch.Elapsed < timeout)
        {
            if (Output.Split('\n').Any(wanted))
            {
                return;
            }

            Assert.False(_process.HasExited, "kcm demo ended early:\n" + Output);
            await Task.Delay(100);
        }

        throw new TimeoutException("kcm demo never printed the line awaited:\n" + Output);
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var limit = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"kcm demo did not end within {timeout}:\n{Output}");
        }

        return _process.ExitCode;
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        _process.Dispose();
        if (Directory.Exists(Home))
        {
            // The links first, on their own: the repository's folders they point to stay.
            Directory.Delete(Path.Combine(Home, "models"));
            Directory.Delete(Path.Combine(Home, ".native"));
            Directory.Delete(Home, recursive: true);
        }
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_lock)
        {
            _output.Append(line).Append('\n');
        }
    }
}
