using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace Kcm.Testing;

/// <summary>
/// A real Prometheus (Debian's /usr/bin/prometheus, installed by ./kcm setup) scraping one target every second,
/// listening on a free loopback port with its storage in a temporary folder. Dispose kills it and removes the folder.
/// </summary>
public sealed class PrometheusServer : IDisposable
{
    public const string ExecutablePath = "/usr/bin/prometheus";

    private const int LogLinesKept = 200;

    private readonly Process _process;
    private readonly string _folder;
    private readonly HttpClient _http;
    private readonly ConcurrentQueue<string> _log;

    private PrometheusServer(Process process, string folder, Uri baseAddress, ConcurrentQueue<string> log)
    {
        _process = process;
        _folder = folder;
        _log = log;
        BaseAddress = baseAddress;
        _http = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(10) };
    }

    /// <summary>Whether the Prometheus executable is installed here.</summary>
    public static bool IsInstalled => File.Exists(ExecutablePath);

    /// <summary>Prometheus' own address, e.g. http://127.0.0.1:41234/.</summary>
    public Uri BaseAddress { get; }

    /// <summary>The last lines Prometheus logged, for failure messages.</summary>
    public string RecentLog => string.Join('\n', _log);

    /// <summary>Starts Prometheus scraping <paramref name="target"/> ("host:port") at <paramref name="metricsPath"/> every second and waits until it is ready.</summary>
    public static Task<PrometheusServer> StartAsync(
        string target, string metricsPath = "/metrics", CancellationToken cancellationToken = default) =>
        StartAsync([target], metricsPath, rulesFile: null, cancellationToken);

    private static async Task<PrometheusServer> StartAsync(
        IReadOnlyList<string> targets, string metricsPath, string? rulesFile, CancellationToken cancellationToken)
    {
        if (!IsInstalled)
        {
            throw new InvalidOperationException($"{ExecutablePath} is missing; run ./kcm setup (Debian package prometheus).");
        }

        // A port picked free can be taken before Prometheus binds it; a fresh one on the next attempt fixes that.
        const int Attempts = 3;
        for (var attempt = 1; ; attempt++)
        {
            var server = Launch(targets, metricsPath, rulesFile, LoopbackPort.Free());
            try
            {
                await server.WaitUntilReadyAsync(TimeSpan.FromSeconds(30), cancellationToken).ConfigureAwait(false);
                return server;
            }
            catch (Exception) when (attempt < Attempts && server._process.HasExited)
            {
                server.Dispose();
            }
            catch
            {
                server.Dispose();
                throw;
            }
        }
    }

    /// <summary>
    /// Starts Prometheus scraping every one of <paramref name="targets"/> ("host:port", path /metrics) every second in one
    /// job, evaluating the rules file <paramref name="rulesFile"/> (its groups' own intervals apply; groups without one
    /// are evaluated every second), and waits until it is ready.
    /// </summary>
    public static Task<PrometheusServer> StartWithRulesAsync(
        IReadOnlyList<string> targets, string rulesFile, CancellationToken cancellationToken = default) =>
        StartAsync(targets, "/metrics", rulesFile, cancellationToken);

    /// <summary>Runs an instant PromQL query; a scalar comes back as one sample without labels.</summary>
    public async Task<IReadOnlyList<Sample>> QueryAsync(string promql, CancellationToken cancellationToken = default)
    {
        var uri = "api/v1/query?query=" + Uri.EscapeDataString(promql);
        using var response = await _http.GetAsync(uri, cancellationToken).ConfigureAwait(false);
        var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        using var document = JsonDocument.Parse(body);
        var root = document.RootElement;
        if (root.GetProperty("status").GetString() != "success")
        {
            throw new InvalidOperationException($"Prometheus query '{promql}' failed: {body}");
        }

        var data = root.GetProperty("data");
        var result = data.GetProperty("result");
        return data.GetProperty("resultType").GetString() switch
        {
            "scalar" => [new Sample(new Dictionary<string, string>(), ParseValue(result))],
            "vector" => [.. result.EnumerateArray().Select(ParseSample)],
            var other => throw new InvalidOperationException($"Prometheus query '{promql}' gave a {other}; expected a scalar or vector."),
        };
    }

    /// <summary>Queries until the result is non-empty and satisfies <paramref name="accept"/>, or the timeout passes (then throws with Prometheus' log).</summary>
    public async Task<IReadOnlyList<Sample>> WaitForAsync(
        string promql, Func<IReadOnlyList<Sample>, bool> accept, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var stopwatch = Stopwatch.StartNew();
        IReadOnlyList<Sample> last = [];
        while (stopwatch.Elapsed < timeout)
        {
            last = await QueryAsync(promql, cancellationToken).ConfigureAwait(false);
            if (last.Count > 0 && accept(last))
            {
                return last;
            }

            await Task.Delay(250, cancellationToken).ConfigureAwait(false);
        }

        var seen = string.Join("; ", last.Select(s => s.ToString()));
        throw new TimeoutException($"Prometheus query '{promql}' did not give an accepted result within {timeout}; last: [{seen}]. Log:\n{RecentLog}");
    }

    public void Dispose()
    {
        _http.Dispose();
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(10_000);
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }

        _process.Dispose();
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
            // A temp folder left behind is harmless; never fail a test on cleanup.
        }
    }

    private static PrometheusServer Launch(IReadOnlyList<string> targets, string metricsPath, string? rulesFile, int port)
    {
        var folder = Directory.CreateTempSubdirectory("kcm-prometheus-").FullName;
        var configPath = Path.Combine(folder, "prometheus.yml");
        var ruleFiles = rulesFile is null ? string.Empty : $"rule_files: [\"{rulesFile}\"]";
        File.WriteAllText(configPath, $"""
            global:
              scrape_interval: 1s
              scrape_timeout: 1s
              evaluation_interval: 1s
            {ruleFiles}
            scrape_configs:
              - job_name: kcm
                metrics_path: "{metricsPath}"
                static_configs:
                  - targets: [{string.Join(", ", targets.Select(t => $"\"{t}\""))}]
            """);
        var start = new ProcessStartInfo(ExecutablePath)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add($"--config.file={configPath}");
        start.ArgumentList.Add($"--storage.tsdb.path={Path.Combine(folder, "data")}");
        start.ArgumentList.Add($"--web.listen-address=127.0.0.1:{port}");
        start.ArgumentList.Add("--storage.tsdb.retention.time=1h");
        start.ArgumentList.Add("--log.level=warn");

        var log = new ConcurrentQueue<string>();
        var process = new Process { StartInfo = start };
        DataReceivedEventHandler keep = (_, line) =>
        {
            if (line.Data is null)
            {
                return;
            }

            log.Enqueue(line.Data);
            while (log.Count > LogLinesKept && log.TryDequeue(out var _))
            {
            }
        };
        process.OutputDataReceived += keep;
        process.ErrorDataReceived += keep;
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new PrometheusServer(process, folder, new Uri($"http://127.0.0.1:{port}/"), log);
    }

    private static Sample ParseSample(JsonElement element)
    {
        var labels = element.GetProperty("metric").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString() ?? string.Empty);
        return new Sample(labels, ParseValue(element.GetProperty("value")));
    }

    // The API gives [unix_time, "value"]; the value is a string so NaN and infinities survive JSON.
    private static double ParseValue(JsonElement pair) => pair[1].GetString() switch
    {
        "+Inf" => double.PositiveInfinity,
        "-Inf" => double.NegativeInfinity,
        var text => double.Parse(text!, CultureInfo.InvariantCulture),
    };

    private async Task WaitUntilReadyAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var stopwatch = Stopwatch.StartNew();
        while (stopwatch.Elapsed < timeout)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"Prometheus exited with code {_process.ExitCode} before it was ready. Log:\n{RecentLog}");
            }

            try
            {
                using var response = await _http.GetAsync("-/ready", cancellationToken).ConfigureAwait(false);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            await Task.Delay(100, cancellationToken).ConfigureAwait(false);
        }

        throw new TimeoutException($"Prometheus was not ready within {timeout}. Log:\n{RecentLog}");
    }

    /// <summary>One sample of a query result: its labels and value.</summary>
    public sealed record Sample(IReadOnlyDictionary<string, string> Labels, double Value)
    {
        public override string ToString() =>
            "{" + string.Join(",", Labels.Select(l => $"{l.Key}=\"{l.Value}\"")) + "} " + Value.ToString(CultureInfo.InvariantCulture);
    }
}
