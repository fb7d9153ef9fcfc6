using System.Net;
using System.Text.Json;
using Kcm.Contracts;
using Kcm.Core.Data;
using Kcm.Silo.Hosting;
using Kcm.Silo.Tests.Support;
using Kcm.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace Kcm.Silo.Tests.Fuzz;

/// <summary>
/// 10,000 generated requests against a live embedded silo with the real models (KAN judge, MLP small model, the
/// shipped CNN on ONNX Runtime): no 5xx, no error logged, the managed heap bounded, and the same answers afterwards.
/// Alone in its collection: it measures the process's managed heap.
/// </summary>
[Collection(SerialCollection.Name)]
public sealed class InferFuzzTests(ITestOutputHelper output) : IDisposable
{
    private const int Requests = 10_000;
    private const int Warmup = 2_000;
    private const int Workers = 4;
    private const int MaxBatch = 8;
    private const int MaxBodyBytes = 256 * 1024;

    private readonly string _store = Path.Combine(Path.GetTempPath(), "kcm-fuzz-test-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public async Task TenThousandGeneratedRequests_NoServerError_NoErrorLogged_HeapBounded_SameAnswersAfter()
    {
        var logs = new CapturedLogs();
        await using var silo = await StartAsync(logs);
        using var http = new HttpClient { BaseAddress = silo.Addresses[0], Timeout = TimeSpan.FromSeconds(60) };
        var test = FashionMnist.LoadTest().Slice(0, 64);
        var images = Enumerable.Range(0, test.Count).Select(i => test.Row(i).ToArray()).ToArray();
        var fuzz = new FuzzRequests(seed: 20261204, features: test.FeatureCount, MaxBatch, MaxBodyBytes, images);
        var before = await AnswerAsync(http, fuzz, images);
        var tally = new FuzzTally();

        await SendAsync(http, fuzz, tally, Warmup);
        var heapAtWarmup = FullHeap();
        await SendAsync(http, fuzz, tally, Requests - Warmup);
        var heapAtEnd = FullHeap();
        var after = await AnswerAsync(http, fuzz, images);

        output.WriteLine(tally.Report());
        output.WriteLine($"managed heap after a full collection: {heapAtWarmup / 1048576.0:F1} MiB at request {Warmup}, {heapAtEnd / 1048576.0:F1} MiB at request {Requests}");
        Assert.Equal(Requests, tally.Total);
        Assert.True(tally.ServerErrors == 0, "5xx or no answer: " + tally.Report() + string.Join("\n", tally.Malformed.Take(10)));
        Assert.True(tally.Malformed.Count == 0, "answers not as documented:\n" + string.Join("\n", tally.Malformed.Take(10)));
        Assert.True(tally.Ok > 1000, $"only {tally.Ok} requests were answered 200: the generator no longer makes enough valid ones");
        var bad = logs.Lines.Where(l => l.StartsWith("Error", StringComparison.Ordinal) || l.StartsWith("Critical", StringComparison.Ordinal)
            || l.Contains("unhandled exception", StringComparison.OrdinalIgnoreCase)).ToList();
        Assert.True(bad.Count == 0, "logged:\n" + string.Join("\n", bad.Take(5)));
        Assert.True(heapAtEnd - heapAtWarmup < 10L << 20, $"the managed heap grew by {(heapAtEnd - heapAtWarmup) / 1048576.0:F1} MiB");
        Assert.Equal(before.Select(r => (r.Label, r.Route)), after.Select(r => (r.Label, r.Route)));
        Assert.True(after.Count(r => r.Route == InferenceRoute.Large) > 0, "no image reached the large model");
        var right = after.Select((r, i) => r.Label == test.Labels[i]).Count(x => x);
        Assert.True(right >= test.Count * 0.8, $"{right} of {test.Count} right after the fuzz");
    }

    public void Dispose()
    {
        if (Directory.Exists(_store))
        {
            Directory.Delete(_store, recursive: true);
        }
    }

    private static long FullHeap()
    {
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        return GC.GetTotalMemory(forceFullCollection: true);
    }

    private static async Task SendAsync(HttpClient http, FuzzRequests fuzz, FuzzTally tally, int count)
    {
        // The generator is not thread-safe: requests are made in order, one at a time, and sent by a few workers at once.
        var made = 0;
        await Task.WhenAll(Enumerable.Range(0, Workers).Select(_ => Task.Run(async () =>
        {
            while (true)
            {
                FuzzCase next;
                lock (fuzz)
                {
                    if (made == count)
                    {
                        return;
                    }

                    made++;
                    next = fuzz.Next();
                }

                await tally.SendAsync(http, next);
            }
        })));
    }

    private static async Task<InferResult[]> AnswerAsync(HttpClient http, FuzzRequests fuzz, float[][] images)
    {
        var results = new List<InferResult>();
        foreach (var chunk in images.Chunk(MaxBatch))
        {
            using var request = fuzz.Valid(chunk);
            using var response = await http.SendAsync(request);
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.OK, body);
            results.AddRange(JsonSerializer.Deserialize(body, KcmJsonContext.Default.InferResponse)!.Results);
        }

        return [.. results];
    }

    private async Task<SiloHost> StartAsync(CapturedLogs logs)
    {
        var silo = SiloHost.Create(
            [
                "--urls=http://127.0.0.1:0",
                "--Kcm:StorePath=" + _store,
                "--Kcm:Distillation:Enabled=false",
                "--Kcm:MaxBatchSize=" + MaxBatch,
                "--Kcm:MaxRequestBodyBytes=" + MaxBodyBytes,
                // A small teacher queue: its records are the one thing serving keeps, and the heap check is about leaks.
                "--Kcm:TeacherQueueCapacity=256",
            ],
            builder =>
            {
                builder.Logging.ClearProviders();
                builder.Logging.AddProvider(logs);
                builder.Services.AddSingleton(new Embedded.EmbeddedModelOptions
                {
                    LargeModelPath = RepositoryRoot.Combine("models", "fashion-cnn.onnx"),
                    SeedSamples = 1000,
                    Epochs = 1,
                    CheckSamples = 500,
                });
                builder.Services.AddSingleton<IServingModelSource, Embedded.FashionMnistModelSource>();
            });
        await silo.StartAsync();
        await silo.WaitUntilReadyAsync(TimeSpan.FromMinutes(3));
        return silo;
    }
}
