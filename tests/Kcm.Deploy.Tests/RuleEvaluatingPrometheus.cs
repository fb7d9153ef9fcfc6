using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Kcm.Testing;

namespace Kcm.Deploy.Tests;

/// <summary>
/// A real Prometheus (Debian's /usr/bin/prometheus) scraping one target every second and evaluating a rules file.
/// Kcm.Testing's PrometheusServer has no rule files; this one exists for the deploy rules only.
/// </summary>
public sealed class RuleEvaluatingPrometheus : IDisposable
{
    private readonly Process _process;
    private readonly HttpClient _http;

    public RuleEvaluatingPrometheus(string folder, string rulesPath, string target)
    {
        var port = LoopbackPort.Free();
        var config = Path.Combine(folder, "prometheus.yml");
        File.WriteAllText(config, $"""
            global:
              scrape_interval: 1s
              scrape_timeout: 1s
              evaluation_interval: 1s
            rule_files: ["{rulesPath}"]
            scrape_configs:
              - job_name: kcm-gpu
                static_configs:
                  - targets: ["{target}"]
            """);
        var start = new ProcessStartInfo("/usr/bin/prometheus")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add($"--config.file={config}");
        start.ArgumentList.Add($"--storage.tsdb.path={Path.Combine(folder, "data")}");
        start.ArgumentList.Add($"--web.listen-address=127.0.0.1:{port}");
        start.ArgumentList.Add("--log.level=warn");
        _process = Process.Start(start) ?? throw new InvalidOperationException("Could not start /usr/bin/prometheus.");
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        _http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/"), Timeout = TimeSpan.FromSeconds(10) };
    }

    /// <summary>The first value of an instant query, or null while it has no result (or Prometheus is not up yet).</summary>
    public async Task<double?> QueryFirstAsync(string promql)
    {
        try
        {
            var body = await _http.GetStringAsync("api/v1/query?query=" + Uri.EscapeDataString(promql));
            using var document = JsonDocument.Parse(body);
            var result = document.RootElement.GetProperty("data").GetProperty("result");
            return result.GetArrayLength() == 0
                ? null
                : double.Parse(result[0].GetProperty("value")[1].GetString()!, CultureInfo.InvariantCulture);
        }
        catch (HttpRequestException)
        {
            return null;
        }
    }

    /// <summary>Queries every 250 ms until <paramref name="accept"/> holds; returns the last value seen either way.</summary>
    public async Task<double?> WaitForAsync(string promql, Func<double, bool> accept, TimeSpan timeout)
    {
        var stopwatch = Stopwatch.StartNew();
        double? last = null;
        while (stopwatch.Elapsed < timeout)
        {
            Assert.False(_process.HasExited, $"Prometheus exited with code {(_process.HasExited ? _process.ExitCode : 0)}.");
            last = await QueryFirstAsync(promql);
            if (last is { } value && accept(value))
            {
                return value;
            }

            await Task.Delay(250);
        }

        return last;
    }

    public void Dispose()
    {
        _http.Dispose();
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }

        _process.Dispose();
    }
}
