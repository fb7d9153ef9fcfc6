using System.Diagnostics;
using System.Globalization;
using System.Net;
using Kcm.Testing;

namespace Kcm.OrleansCluster.Tests.Support;

/// <summary>
/// One silo process (<c>dotnet Kcm.Silo.dll</c>) of a test cluster: its name, roles and loopback ports fixed at creation,
/// so a restart after a kill comes back on the same ports (Orleans then retires the killed incarnation's row itself).
/// Output goes to a log file. <see cref="Kill"/> is SIGKILL, as a crash; <see cref="StopAsync"/> is SIGTERM.
/// </summary>
public sealed class SiloProcess : IAsyncDisposable
{
    private readonly IReadOnlyDictionary<string, string> _environment;
    private readonly IReadOnlyList<string> _arguments;
    private Process? _process;

    public SiloProcess(string name, string roles, string logFolder, IReadOnlyDictionary<string, string> environment, IReadOnlyList<string> arguments)
    {
        Name = name;
        Roles = roles;
        SiloPort = LoopbackPort.Free();
        GatewayPort = LoopbackPort.Free();
        Url = new Uri($"http://127.0.0.1:{LoopbackPort.Free().ToString(CultureInfo.InvariantCulture)}");
        Log = Path.Combine(logFolder, name + ".log");
        _environment = environment;
        _arguments = arguments;
    }

    public string Name { get; }

    public string Roles { get; }

    public int SiloPort { get; }

    public int GatewayPort { get; }

    public IPEndPoint Gateway => new(IPAddress.Loopback, GatewayPort);

    public Uri Url { get; }

    public string Log { get; }

    public bool IsRunning => _process is { HasExited: false };

    public int Pid => _process?.Id ?? 0;

    /// <summary>Starts the process (again) on this silo's ports; returns at once.</summary>
    public void Start()
    {
        if (IsRunning)
        {
            return;
        }

        _process?.Dispose();
        File.AppendAllText(Log, $"# {DateTime.UtcNow:O} start {Name} ({Roles}) silo {SiloPort} gateway {GatewayPort} {Url}\n");
        // The shell execs dotnet in place: the pid is the silo's own, and SIGKILL reaches it alone.
        var start = new ProcessStartInfo("/bin/sh") { UseShellExecute = false, WorkingDirectory = RepositoryRoot.Path };
        foreach (var argument in (string[])["-c", "exec \"$@\" >>\"$KCM_TEST_LOG\" 2>&1 </dev/null", "sh", "dotnet", BuiltPrograms.Silo, "--urls=" + Url.ToString().TrimEnd('/'), .. _arguments])
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["KCM_TEST_LOG"] = Log;
        start.Environment["KCM_HOME"] = RepositoryRoot.Path;
        start.Environment["Kcm__Roles"] = Roles;
        start.Environment["Kcm__Orleans__SiloName"] = Name;
        start.Environment["Kcm__Orleans__SiloPort"] = SiloPort.ToString(CultureInfo.InvariantCulture);
        start.Environment["Kcm__Orleans__GatewayPort"] = GatewayPort.ToString(CultureInfo.InvariantCulture);
        foreach (var (key, value) in _environment)
        {
            start.Environment[key] = value;
        }

        _process = Process.Start(start) ?? throw new InvalidOperationException("sh did not start.");
    }

    /// <summary>SIGKILL: the silo dies at once, as in a crash (no goodbye to the cluster).</summary>
    public void Kill()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill();
            process.WaitForExit();
        }
    }

    /// <summary>SIGTERM and wait (the silo drains and leaves the cluster); SIGKILL after <paramref name="grace"/>.</summary>
    public async Task StopAsync(TimeSpan grace)
    {
        if (_process is not { HasExited: false } process)
        {
            return;
        }

        PosixSignal.Terminate(process.Id);
        using var timeout = new CancellationTokenSource(grace);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill();
            await process.WaitForExitAsync();
        }
    }

    /// <summary>Polls <c>/readyz</c> until 200; throws with the log tail when the process exits or the timeout passes.</summary>
    public async Task WaitUntilReadyAsync(TimeSpan timeout)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var stopwatch = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                using var response = await http.GetAsync(new Uri(Url, "/readyz"));
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                // Not listening yet.
            }

            if (!IsRunning)
            {
                throw new InvalidOperationException($"{Name} exited before it was ready. Log tail:\n{LogTail()}");
            }

            if (stopwatch.Elapsed > timeout)
            {
                throw new TimeoutException($"{Name} was not ready within {timeout}. Log tail:\n{LogTail()}");
            }

            await Task.Delay(200);
        }
    }

    /// <summary>The sum of metric <paramref name="name"/>'s samples on this silo's <c>/metrics</c>.</summary>
    public async Task<double> MetricAsync(string name)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        return PrometheusText.Sum(await http.GetStringAsync(new Uri(Url, "/metrics")), name);
    }

    public string LogTail(int lines = 40)
    {
        try
        {
            return string.Join('\n', File.ReadLines(Log).TakeLast(lines));
        }
        catch (IOException)
        {
            return "(no log)";
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(TimeSpan.FromSeconds(10));
        _process?.Dispose();
    }
}
