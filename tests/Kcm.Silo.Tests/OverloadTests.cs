using System.Net;
using Kcm.Contracts;
using Kcm.Core.Data;
using Kcm.Silo.Tests.Support;

namespace Kcm.Silo.Tests;

/// <summary>
/// A full large-model queue keeps its HTTP answer: 429 <c>overloaded</c>, retriable, with Retry-After; nothing else fails.
/// Large-model rows still queued at their deadline answer 503 <c>deadline_exceeded</c>, retriable, with Retry-After.
/// </summary>
public sealed class OverloadTests
{
    [Fact]
    public async Task LargeQueueFull_Answers429WithRetryAfter_OthersAreServed()
    {
        await using var silo = await TestSilo.StartAsync(new Dictionary<string, string>
        {
            ["Kcm:LargePool:QueueCapacity"] = "1",
            ["Kcm:LargePool:MaxBatchSize"] = "1",
            ["Kcm:RetryAfterSeconds"] = "3",
        });
        var test = FashionMnist.LoadTest().Slice(0, 8);
        var rows = Enumerable.Range(0, test.Count).Select(i => test.Row(i).ToArray()).ToArray();

        var responses = await Task.WhenAll(Enumerable.Range(0, 200).Select(_ => silo.InferAsync(rows)));
        try
        {
            var statuses = responses.GroupBy(r => r.StatusCode).ToDictionary(g => g.Key, g => g.Count());
            Assert.True(statuses.Keys.All(s => s is HttpStatusCode.OK or HttpStatusCode.TooManyRequests),
                "unexpected statuses: " + string.Join(", ", statuses.Select(s => $"{(int)s.Key} x{s.Value}")));
            Assert.True(statuses.GetValueOrDefault(HttpStatusCode.OK) > 0, "nothing was served");
            var refused = responses.FirstOrDefault(r => r.StatusCode == HttpStatusCode.TooManyRequests);
            Assert.True(refused is not null, "200 concurrent large-route requests never filled a queue of 1");
            var problem = await Problems.AssertAsync(refused, HttpStatusCode.TooManyRequests, ProblemCodes.Overloaded);
            Assert.True(problem.Retriable);
            Assert.Equal("3", refused.Headers.RetryAfter?.ToString());
        }
        finally
        {
            foreach (var response in responses)
            {
                response.Dispose();
            }
        }
    }

    [Fact]
    public async Task LargeRowsPastTheirDeadline_Answer503DeadlineExceededWithRetryAfter_AndTheSiloKeepsServing()
    {
        await using var silo = await TestSilo.StartAsync(new Dictionary<string, string>
        {
            // One row per ONNX run and a 1 ms deadline: rows queued behind others' runs miss it.
            ["Kcm:RequestTimeoutMilliseconds"] = "1",
            ["Kcm:LargePool:MaxBatchSize"] = "1",
            ["Kcm:RetryAfterSeconds"] = "3",
        });
        var test = FashionMnist.LoadTest().Slice(0, 8);
        var rows = Enumerable.Range(0, test.Count).Select(i => test.Row(i).ToArray()).ToArray();

        var responses = await Task.WhenAll(Enumerable.Range(0, 100).Select(_ => silo.InferAsync(rows)));
        try
        {
            var statuses = responses.GroupBy(r => r.StatusCode).ToDictionary(g => g.Key, g => g.Count());
            Assert.True(statuses.Keys.All(s => s is HttpStatusCode.OK or HttpStatusCode.ServiceUnavailable),
                "unexpected statuses: " + string.Join(", ", statuses.Select(s => $"{(int)s.Key} x{s.Value}")));
            var late = responses.FirstOrDefault(r => r.StatusCode == HttpStatusCode.ServiceUnavailable);
            Assert.True(late is not null, "100 concurrent large-route requests with a 1 ms deadline never missed it");
            var problem = await Problems.AssertAsync(late, HttpStatusCode.ServiceUnavailable, ProblemCodes.DeadlineExceeded);
            Assert.True(problem.Retriable);
            Assert.Equal("3", late.Headers.RetryAfter?.ToString());
        }
        finally
        {
            foreach (var response in responses)
            {
                response.Dispose();
            }
        }

        using var health = await silo.Http.GetAsync(KcmRoutes.Healthz);
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }
}
