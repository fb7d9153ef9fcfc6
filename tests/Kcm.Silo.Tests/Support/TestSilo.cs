using System.Net.Http.Json;
using Kcm.Contracts;
using Kcm.Grains.Large;
using Kcm.Silo.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Kcm.Silo.Tests.Support;

/// <summary>
/// A real silo on Kestrel at 127.0.0.1 (port 0) serving <see cref="TestModels"/>, with its own temporary model store,
/// and an HttpClient pointed at it. Disposing stops the silo and deletes the store.
/// </summary>
internal sealed class TestSilo : IAsyncDisposable
{
    public const string AdminToken = "test-admin-token";
    public const string Model = KcmRoutes.DefaultModel;

    private TestSilo(SiloHost host, HttpClient http, string storePath, CapturedLogs logs, NextGenerationTrainer trainer, IReadOnlyList<SlowLargeModel> large)
    {
        Host = host;
        Http = http;
        StorePath = storePath;
        Logs = logs;
        Trainer = trainer;
        Large = large;
    }

    public SiloHost Host { get; }

    /// <summary>Whether disposing deletes the store (false when the test passed its own folder to reuse it).</summary>
    public bool OwnsStore { get; private init; }

    public HttpClient Http { get; }

    public string StorePath { get; }

    public CapturedLogs Logs { get; }

    public NextGenerationTrainer Trainer { get; }

    public IReadOnlyList<SlowLargeModel> Large { get; }

    /// <summary>Starts a silo; <paramref name="settings"/> are extra configuration keys (e.g. "Kcm:MaxBatchSize" = "16").</summary>
    public static async Task<TestSilo> StartAsync(
        IReadOnlyDictionary<string, string>? settings = null,
        TimeSpan? largeDelay = null,
        string? hintInputName = null,
        bool withAdminToken = true,
        string? storePath = null)
    {
        var ownsStore = storePath is null;
        storePath ??= Path.Combine(Path.GetTempPath(), "kcm-silo-test-" + Guid.NewGuid().ToString("N"));
        var args = new List<string>
        {
            "--urls=http://127.0.0.1:0",
            "--Kcm:StorePath=" + storePath,
            "--Kcm:Distillation:Enabled=false",
        };
        if (withAdminToken)
        {
            args.Add("--Kcm:AdminToken=" + AdminToken);
        }

        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            args.Add($"--{key}={value}");
        }

        var instanceCount = settings is not null && settings.TryGetValue("Kcm:LargePool:InstanceCount", out var count) ? int.Parse(count) : 1;
        var large = Enumerable.Range(0, instanceCount).Select(_ => new SlowLargeModel(largeDelay ?? TimeSpan.Zero, hintInputName)).ToList();
        var trainer = new NextGenerationTrainer();
        var logs = new CapturedLogs();
        var host = SiloHost.Create([.. args], builder =>
        {
            builder.Logging.ClearProviders();
            builder.Logging.AddProvider(logs);
            builder.Services.AddSingleton<IServingModelSource>(new TestModelSource([.. large.Cast<ILargeModel>()], trainer));
        });
        await host.StartAsync();
        await host.WaitUntilReadyAsync(TimeSpan.FromSeconds(30));
        var http = new HttpClient { BaseAddress = host.Addresses[0], Timeout = TimeSpan.FromSeconds(60) };
        return new TestSilo(host, http, storePath, logs, trainer, large) { OwnsStore = ownsStore };
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

    public async Task<DistillResponse> DistillAsync()
    {
        using var response = await Http.SendAsync(Admin(HttpMethod.Post, KcmRoutes.DistillPath(Model)));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"distill answered {(int)response.StatusCode}: {body}");
        return System.Text.Json.JsonSerializer.Deserialize(body, KcmJsonContext.Default.DistillResponse)!;
    }

    public async Task<ModelInfo> GetModelAsync() =>
        (await Http.GetFromJsonAsync(KcmRoutes.ModelPath(Model), KcmJsonContext.Default.ModelInfo))!;

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await Host.DisposeAsync();
        if (!OwnsStore)
        {
            return;
        }

        try
        {
            Directory.Delete(StorePath, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }
}
