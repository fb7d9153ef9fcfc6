using System.Net;
using Kcm.Contracts;
using Kcm.Silo.Tests.Support;

namespace Kcm.Silo.Tests;

[Collection(SerialCollection.Name)] // the flood test reads process-wide managed memory
public sealed class OverloadTests
{
    [Fact]
    public async Task Flood_BeyondQueueBound_RefusedWith429AndEveryAcceptedRequestAnswered()
    {
        const int QueueCapacity = 3;
        const int Flood = 64;
        await using var silo = await TestSilo.StartAsync(
            new Dictionary<string, string>
            {
                ["Kcm:LargePool:QueueCapacity"] = QueueCapacity.ToString(),
                ["Kcm:LargePool:MaxBatchSize"] = "1",
                ["Kcm:LargePool:MaxQueueDelayMicroseconds"] = "0",
                ["Kcm:RequestTimeoutMilliseconds"] = "30000",
            },
            largeDelay: TimeSpan.FromMilliseconds(40));
        var pool = silo.Host.Node.Grains!.Large;
        var maxDepth = 0;
        using var sampling = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested)
            {
                maxDepth = Math.Max(maxDepth, pool.QueueDepth);
                await Task.Delay(1);
            }
        });
        var memoryBefore = GC.GetTotalMemory(forceFullCollection: true);

        var responses = await Task.WhenAll(Enumerable.Range(0, Flood).Select(i => Task.Run(async () =>
        {
            using var response = await silo.InferAsync(TestModels.Doubtful(hot: 1 + (i % 7)));
            var body = await response.Content.ReadAsStringAsync();
            return (i, response.StatusCode, body, RetryAfter: response.Headers.RetryAfter?.Delta);
        })));
        await sampling.CancelAsync();
        await sampler;
        var memoryAfter = GC.GetTotalMemory(forceFullCollection: true);

        var accepted = responses.Where(r => r.StatusCode == HttpStatusCode.OK).ToList();
        var refused = responses.Where(r => r.StatusCode != HttpStatusCode.OK).ToList();
        Assert.All(refused, r =>
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, r.StatusCode);
            Assert.Equal(TimeSpan.FromSeconds(1), r.RetryAfter);
            var problem = System.Text.Json.JsonSerializer.Deserialize(r.body, KcmJsonContext.Default.KcmProblemDetails)!;
            Assert.Equal(ProblemCodes.Overloaded, problem.Code);
            Assert.True(problem.Retriable);
        });
        Assert.NotEmpty(refused);
        Assert.True(accepted.Count >= QueueCapacity, $"only {accepted.Count} accepted");
        Assert.All(accepted, r =>
        {
            var answer = System.Text.Json.JsonSerializer.Deserialize(r.body, KcmJsonContext.Default.InferResponse)!;
            Assert.Equal(InferenceRoute.Large, answer.Results[0].Route);
            Assert.Equal(2 + (r.i % 7), answer.Results[0].Label);
        });
        // Every accepted request was run by the large model, and nothing else was.
        Assert.Equal(accepted.Count, silo.Large[0].BatchSizes.Count);
        Assert.True(maxDepth <= QueueCapacity, $"queue depth reached {maxDepth}");
        Assert.True(memoryAfter - memoryBefore < 64L << 20, $"managed memory grew by {(memoryAfter - memoryBefore) >> 20} MiB");

        var afterwards = await silo.InferOkAsync(TestModels.Doubtful());
        Assert.Equal(InferenceRoute.Large, afterwards.Results[0].Route);
    }

    [Fact]
    public async Task SlowLargeModel_PastDeadline_Answers503DeadlineExceededWithRetryAfter()
    {
        await using var silo = await TestSilo.StartAsync(
            new Dictionary<string, string>
            {
                ["Kcm:LargePool:MaxBatchSize"] = "1",
                ["Kcm:RequestTimeoutMilliseconds"] = "100",
            },
            largeDelay: TimeSpan.FromMilliseconds(300));

        var responses = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            using var response = await silo.InferAsync(TestModels.Doubtful());
            return (response.StatusCode, Body: await response.Content.ReadAsStringAsync(), RetryAfter: response.Headers.RetryAfter?.Delta);
        })));

        var late = responses.Where(r => r.StatusCode == HttpStatusCode.ServiceUnavailable).ToList();
        Assert.True(late.Count >= 2, string.Join("\n", responses.Select(r => $"{r.StatusCode}: {r.Body}")));
        Assert.All(late, r =>
        {
            Assert.Contains(ProblemCodes.DeadlineExceeded, r.Body);
            Assert.Equal(TimeSpan.FromSeconds(1), r.RetryAfter);
        });
        Assert.All(responses, r => Assert.Contains(r.StatusCode, new[] { HttpStatusCode.OK, HttpStatusCode.ServiceUnavailable }));
    }
}
