using System.Net;
using System.Text.Json;
using Kcm.Contracts;
using Kcm.Core.Data;
using Kcm.Silo.Tests.Support;
using Xunit.Abstractions;

namespace Kcm.Silo.Tests.Fuzz;

/// <summary>
/// Generated requests (valid, malformed, hostile) against a live embedded silo on Orleans: no 5xx, every refusal as
/// documented, no error logged, the managed heap bounded, and the same answers afterwards. Alone in its collection: it
/// measures the process's managed heap.
/// </summary>
[Collection(SerialCollection.Name)]
public sealed class InferFuzzTests(ITestOutputHelper output)
{
    private const int Requests = 4_000;
    private const int Warmup = 1_000;
    private const int Workers = 4;
    private const int MaxBatch = 8;
    private const int MaxBodyBytes = 256 * 1024;

    [Fact]
    public async Task GeneratedRequests_NoServerError_NoErrorLogged_HeapBounded_SameAnswersAfter()
    {
        await using var silo = await TestSilo.StartAsync(new Dictionary<string, string>
        {
            ["Kcm:MaxBatchSize"] = MaxBatch.ToString(),
            ["Kcm:MaxRequestBodyBytes"] = MaxBodyBytes.ToString(),
            // A small teacher queue: its records are the one thing serving keeps, and the heap check is about leaks.
            ["Kcm:TeacherQueueCapacity"] = "256",
        });
        var test = FashionMnist.LoadTest().Slice(0, 64);
        var images = Enumerable.Range(0, test.Count).Select(i => test.Row(i).ToArray()).ToArray();
        var fuzz = new FuzzRequests(seed: 20261205, features: test.FeatureCount, MaxBatch, MaxBodyBytes, images);
        var before = await AnswerAsync(silo.Http, fuzz, images);
        var tally = new FuzzTally();

        await SendAsync(silo.Http, fuzz, tally, Warmup);
        var heapAtWarmup = FullHeap();
        await SendAsync(silo.Http, fuzz, tally, Requests - Warmup);
        var heapAtEnd = FullHeap();
        var after = await AnswerAsync(silo.Http, fuzz, images);

        output.WriteLine(tally.Report());
        output.WriteLine($"managed heap after a full collection: {heapAtWarmup / 1048576.0:F1} MiB at request {Warmup}, {heapAtEnd / 1048576.0:F1} MiB at request {Requests}");
        Assert.Equal(Requests, tally.Total);
        Assert.True(tally.ServerErrors == 0, "5xx or no answer: " + tally.Report() + string.Join("\n", tally.Malformed.Take(10)));
        Assert.True(tally.Malformed.Count == 0, "answers not as documented:\n" + string.Join("\n", tally.Malformed.Take(10)));
        Assert.True(tally.Ok > Requests / 10, $"only {tally.Ok} requests were answered 200: the generator no longer makes enough valid ones");
        var bad = silo.Logs.Lines.Where(l => l.StartsWith("Error", StringComparison.Ordinal) || l.StartsWith("Critical", StringComparison.Ordinal)
            || l.Contains("unhandled exception", StringComparison.OrdinalIgnoreCase)).ToList();
        Assert.True(bad.Count == 0, "logged:\n" + string.Join("\n", bad.Take(5)));
        Assert.True(heapAtEnd - heapAtWarmup < 10L << 20, $"the managed heap grew by {(heapAtEnd - heapAtWarmup) / 1048576.0:F1} MiB");
        Assert.Equal(before.Select(r => (r.Label, r.Route)), after.Select(r => (r.Label, r.Route)));
        Assert.Contains(after, r => r.Route == InferenceRoute.Large);
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
}
