using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Kcm.Testing;

namespace Kcm.Cluster.Tests.Support;

/// <summary>One <c>kcm serve</c> process started by a test (e.g. the embedded mode to compare with); killed on dispose.</summary>
public sealed class SiloProcess : IAsyncDisposable
{
    private readonly Process _process;

    private SiloProcess(Process process, Uri url)
    {
        _process = process;
        Url = url;
    }

    public Uri Url { get; }

    public static async Task<SiloProcess> StartAsync(IEnumerable<string> settings, TimeSpan readyTimeout)
    {
        int port;
        using (var listener = new TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            port = ((IPEndPoint)listener.LocalEndpoint).Port;
        }

        var url = new Uri($"http://127.0.0.1:{port}");
        var start = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in (string[])[KcmCli.Assembly, "serve", "--urls=" + url.ToString().TrimEnd('/'), .. settings])
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["KCM_HOME"] = RepositoryRoot.Path;
        var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start.");
        // Drained so a full pipe never blocks the silo.
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var silo = new SiloProcess(process, url);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var stopwatch = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                using var response = await http.GetAsync(new Uri(url, "/readyz"));
                if (response.IsSuccessStatusCode)
                {
                    return silo;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
            }

            if (process.HasExited || stopwatch.Elapsed > readyTimeout)
            {
                await silo.DisposeAsync();
                throw new InvalidOperationException($"kcm serve on {url} did not become ready (exited: {process.HasExited}).");
            }

            await Task.Delay(250);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }
}
