using System.Net.Http.Json;
using Kcm.Contracts;
using Kcm.Silo.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;

namespace Kcm.Silo.Tests.Support;

/// <summary>
/// A real silo host in this process: Kestrel at 127.0.0.1 (port 0), an Orleans silo on free loopback ports, the
/// embedded pipeline in its quick test shape (<see cref="QuickModels"/>) over its own model store, and an HttpClient
/// pointed at it. Disposing stops the host and deletes the store when it made it.
/// </summary>
internal sealed class TestSilo : IAsyncDisposable
{
    public const string AdminToken = "test-admin-token";
    public const string Model = KcmRoutes.DefaultModel;

    private TestSilo(SiloHost host, HttpClient http, string storePath, bool ownsStore, CapturedLogs logs)
    {
        Host = host;
        Http = http;
        StorePath = storePath;
        OwnsStore = ownsStore;
        Logs = logs;
    }

    public SiloHost Host { get; }

    public HttpClient Http { get; }

    public string StorePath { get; }

    /// <summary>Whether disposing deletes the store (false when the test passed its own folder).</summary>
    public bool OwnsStore { get; private set; }

    public CapturedLogs Logs { get; }

    /// <summary>
    /// The arguments of a test silo: loopback HTTP on port 0, Orleans on free ports, the quick models, the admin token
    /// (unless <paramref name="withAdminToken"/> is false), then <paramref name="settings"/> (e.g. "Kcm:MaxBatchSize" = "16").
    /// </summary>
    public static string[] Arguments(string storePath, IReadOnlyDictionary<string, string>? settings = null, bool withAdminToken = true)
    {
        var args = new List<string>
        {
            "--urls=http://127.0.0.1:0",
            "--Kcm:Orleans:SiloPort=0",
            "--Kcm:Orleans:GatewayPort=0",
            "--Kcm:StorePath=" + storePath,
        };
        args.AddRange(QuickModels.Arguments());
        if (withAdminToken)
        {
            args.Add("--Kcm:AdminToken=" + AdminToken);
        }

        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            args.Add($"--{key}={value}");
        }

        return [.. args];
    }

    /// <summary>A host built with <see cref="Arguments"/> and logs captured, not started.</summary>
    public static SiloHost Create(string storePath, CapturedLogs logs, IReadOnlyDictionary<string, string>? settings = null,
        bool withAdminToken = true, Action<WebApplicationBuilder>? configure = null) =>
        SiloHost.Create(Arguments(storePath, settings, withAdminToken), builder =>
        {
            builder.Logging.ClearProviders();
            builder.Logging.AddProvider(logs);
            configure?.Invoke(builder);
        });

    /// <summary>Starts a silo and, unless <paramref name="waitUntilReady"/> is false, waits until it serves a version.</summary>
    public static async Task<TestSilo> StartAsync(
        IReadOnlyDictionary<string, string>? settings = null,
        bool withAdminToken = true,
        string? storePath = null,
        bool waitUntilReady = true,
        Action<WebApplicationBuilder>? configure = null)
    {
        // Without a folder of its own a silo gets a copy of the once-trained store: no test waits for (or competes with) training.
        var ownsStore = storePath is null;
        storePath ??= await TrainedStore.CopyAsync();
        var logs = new CapturedLogs();
        var host = Create(storePath, logs, settings, withAdminToken, configure);
        try
        {
            await host.StartAsync();
            if (waitUntilReady)
            {
                await host.WaitUntilReadyAsync(TimeSpan.FromMinutes(2));
            }
        }
        catch
        {
            await host.DisposeAsync();
            throw;
        }

        var http = new HttpClient { BaseAddress = host.Addresses[0], Timeout = TimeSpan.FromSeconds(60) };
        return new TestSilo(host, http, storePath, ownsStore, logs);
    }

    public Task<HttpResponseMessage> InferAsync(params float[][] inputs) =>
        Http.PostAsJsonAsync(KcmRoutes.InferPath(Model), new InferRequest(inputs), KcmJsonContext.Default.InferRequest);

    public async Task<InferResponse> InferOkAsync(params float[][] inputs)
    {
        using var response = await InferAsync(inputs);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"infer answered {(int)response.StatusCode}: {body}");
        return System.Text.Json.JsonSerializer.Deserialize(body, KcmJsonContext.Default.InferResponse)!;
    }

    public HttpRequestMessage Admin(HttpMethod method, string path, HttpContent? content = null)
    {
        var request = new HttpRequestMessage(method, path) { Content = content };
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", AdminToken);
        return request;
    }

    /// <summary>Scrapes /metrics until <paramref name="done"/> holds for the text (or 10 s have passed); the last text.</summary>
    public async Task<string> ScrapeMetricsUntilAsync(Func<string, bool> done)
    {
        var stopwatch = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            var text = await Http.GetStringAsync(KcmRoutes.Metrics);
            if (done(text) || stopwatch.Elapsed > TimeSpan.FromSeconds(10))
            {
                return text;
            }

            await Task.Delay(50);
        }
    }

    public async Task<ModelInfo> GetModelAsync() =>
        (await Http.GetFromJsonAsync(KcmRoutes.ModelPath(Model), KcmJsonContext.Default.ModelInfo))!;

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await Host.DisposeAsync();
        if (OwnsStore && Directory.Exists(StorePath))
        {
            Directory.Delete(StorePath, recursive: true);
        }
    }
}
