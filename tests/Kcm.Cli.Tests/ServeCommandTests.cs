using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Kcm.Abstractions.Classification;
using Kcm.Client;
using Kcm.Contracts;
using Kcm.Core.Data;
using Kcm.Testing;

namespace Kcm.Cli.Tests;

/// <summary>
/// `kcm serve` as a process, as a person runs it: the Orleans silo host starts, says where its gateway is, answers the
/// Orleans client SDK and HTTP alike, and stops cleanly on SIGTERM.
/// </summary>
public sealed partial class ServeCommandTests : IDisposable
{
    private readonly string _store = Path.Combine(Path.GetTempPath(), "kcm-serve-test-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_store))
        {
            Directory.Delete(_store, recursive: true);
        }
    }

    [Fact]
    public async Task Serve_AsAProcess_AnswersTheOrleansClientAndHttpAlike_AndStopsCleanlyOnSigterm()
    {
        var test = FashionMnist.LoadTest().Slice(0, 16);
        float[][] rows = [.. Enumerable.Range(0, test.Count).Select(i => test.Row(i).ToArray())];
        using var serve = ServeProcess.Start(
            "--urls", "http://127.0.0.1:0", "--gateway-port", "0", "--Kcm:Orleans:SiloPort=0", "--ensemble", "none",
            "--Kcm:StorePath=" + _store,
            // The quick shape: the judge and small model train in about a second at first start.
            "--Kcm:Embedded:SeedSamples=2000", "--Kcm:Embedded:Epochs=1", "--Kcm:Embedded:CheckSamples=500", "--Kcm:Distillation:Enabled=false");
        try
        {
            var line = await serve.WaitForLineAsync(l => l.StartsWith("serve: Orleans gateway", StringComparison.Ordinal), TimeSpan.FromSeconds(60));
            var match = GatewayLine().Match(line);
            Assert.True(match.Success, line);
            var gatewayPort = int.Parse(match.Groups["port"].Value, System.Globalization.CultureInfo.InvariantCulture);
            using var http = new HttpClient { BaseAddress = new Uri(match.Groups["http"].Value), Timeout = TimeSpan.FromSeconds(30) };
            await WaitUntilReadyAsync(http, serve, TimeSpan.FromSeconds(60));

            await using var client = await KcmClient.ConnectAsync(new KcmClientOptions { LocalGatewayPort = gatewayPort });
            var overOrleans = await client.ClassifyAsync(KcmRoutes.DefaultModel, [.. rows.SelectMany(r => r)], rows.Length);
            using var response = await http.PostAsJsonAsync(KcmRoutes.InferPath(KcmRoutes.DefaultModel), new InferRequest(rows), KcmJsonContext.Default.InferRequest);
            response.EnsureSuccessStatusCode();
            var overHttp = (await response.Content.ReadFromJsonAsync(KcmJsonContext.Default.InferResponse))!;
            var serving = await client.GetServingVersionAsync(KcmRoutes.DefaultModel);

            Assert.Equal(overHttp.Results.Select(r => r.Label), overOrleans.Labels);
            Assert.Equal(overHttp.Results.Select(r => r.Route == InferenceRoute.Large), overOrleans.Routes.Select(r => r == SampleRoute.Large));
            Assert.Equal(serving!.Small.Version, overOrleans.SmallModelVersion);
            Assert.True(overOrleans.Labels.Zip(test.Labels.AsSpan(0, rows.Length).ToArray()).Count(p => p.First == p.Second) >= 10, "most of 16 test images answered right");

            Assert.True(PosixSignal.Terminate(serve.Id));
            var exit = await serve.WaitForExitAsync(TimeSpan.FromSeconds(30));

            Assert.Equal(0, exit);
            Assert.DoesNotContain("Unhandled exception", serve.Output, StringComparison.Ordinal);
            Assert.DoesNotContain("fail:", serve.Output, StringComparison.Ordinal);
        }
        finally
        {
            serve.KillIfRunning();
        }
    }

    [Fact]
    public async Task Serve_AnInvalidSetting_EndsAtOnceWithExitCode2_NamingIt()
    {
        using var serve = ServeProcess.Start("--urls", "http://127.0.0.1:0", "--ensemble", "none", "--Kcm:MaxBatchSize=0");
        try
        {
            var exit = await serve.WaitForExitAsync(TimeSpan.FromSeconds(60));

            Assert.Equal(2, exit);
            Assert.Contains("Kcm:MaxBatchSize must be 1 to 65536 (was 0)", serve.Output, StringComparison.Ordinal);
        }
        finally
        {
            serve.KillIfRunning();
        }
    }

    private static async Task WaitUntilReadyAsync(HttpClient http, ServeProcess serve, TimeSpan timeout)
    {
        var stopwatch = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                using var ready = await http.GetAsync("/readyz");
                if (ready.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }

            Assert.True(stopwatch.Elapsed < timeout, "kcm serve was not ready in time:\n" + serve.Output);
            await Task.Delay(100);
        }
    }

    [GeneratedRegex(@"Orleans gateway 127\.0\.0\.1:(?<port>\d+) .*HTTP API at (?<http>http://[0-9.:]+/?)")]
    private static partial Regex GatewayLine();
}
