using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using Kcm.Testing;

namespace Kcm.Deploy.Tests;

/// <summary>A published silo started as its image would start it (ENTRYPOINT, WORKDIR, ENV) on a free loopback port.</summary>
public sealed class SiloProcess : IDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _log = new();

    public SiloProcess(string[] command, string workingDirectory, IReadOnlyDictionary<string, string> environment)
    {
        Port = LoopbackPort.Free();
        var start = new ProcessStartInfo(command[0])
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in command[1..])
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        // The image listens on 8080; here a free port, on loopback only.
        start.Environment["ASPNETCORE_HTTP_PORTS"] = string.Empty;
        start.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{Port}";
        _process = new Process { StartInfo = start };
        _process.OutputDataReceived += Keep;
        _process.ErrorDataReceived += Keep;
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        Http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{Port}/"), Timeout = TimeSpan.FromSeconds(30) };
    }

    public int Port { get; }

    public HttpClient Http { get; }

    public string RecentLog => string.Join('\n', _log);

    /// <summary>Polls /readyz until 200; throws with the silo's log when it exits or the timeout passes.</summary>
    public async Task WaitUntilReadyAsync(TimeSpan timeout)
    {
        var stopwatch = Stopwatch.StartNew();
        while (stopwatch.Elapsed < timeout)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"The silo exited with code {_process.ExitCode}. Log:\n{RecentLog}");
            }

            try
            {
                using var response = await Http.GetAsync("readyz");
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            await Task.Delay(200);
        }

        throw new TimeoutException($"The silo was not ready within {timeout}. Log:\n{RecentLog}");
    }

    /// <summary>Waits for the silo to exit by itself; false when it still runs after <paramref name="timeout"/>.</summary>
    public async Task<bool> WaitForExitAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cancel.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    public void Dispose()
    {
        Http.Dispose();
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }

        _process.Dispose();
    }

    private void Keep(object sender, DataReceivedEventArgs line)
    {
        if (line.Data is null)
        {
            return;
        }

        _log.Enqueue(line.Data);
        while (_log.Count > 200 && _log.TryDequeue(out _))
        {
        }
    }
}
