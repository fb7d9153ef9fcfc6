using System.Diagnostics;
using Kcm.Cluster.Broker;
using Kcm.Cluster.Large;
using Kcm.Cluster.Telemetry;
using Kcm.Cluster.Tests.Support;
using Kcm.Grains.Large;
using Microsoft.Extensions.Logging.Abstractions;
using RabbitMQ.Client;

namespace Kcm.Cluster.Tests;

[Collection(BrokerCollection.Name)]
public sealed class LargeModelPathTests(BrokerFixture fixture) : IDisposable
{
    private const int Features = ArithmeticLargeModel.Features;
    private const int Classes = ArithmeticLargeModel.Classes;

    private readonly CounterRecorder _counters = new();
    private readonly ClusterInstruments _instruments = new();
    private readonly string _model = "m" + Guid.NewGuid().ToString("N")[..8];

    private Uri Broker => fixture.Broker.Uri;

    public void Dispose()
    {
        _instruments.Dispose();
        _counters.Dispose();
    }

    [Fact]
    public async Task Two_workers_share_the_load_and_every_answer_is_right()
    {
        await using var front = await FrontNode.StartAsync(Broker, "front-1", _model, _instruments);
        await using var large1 = await LargeNode.StartAsync(Broker, "large-1", _model, _instruments, prefetch: 4);
        await using var large2 = await LargeNode.StartAsync(Broker, "large-2", _model, _instruments, prefetch: 4);
        large1.Model.Delay = TimeSpan.FromMilliseconds(2);
        large2.Model.Delay = TimeSpan.FromMilliseconds(2);

        const int Requests = 200;
        var results = await Task.WhenAll(Enumerable.Range(0, Requests).Select(i => InferOneAsync(front.Pool, i, batchSize: 1 + i % 3, TimeSpan.FromSeconds(20))));

        Assert.All(results, r => Assert.Equal(LargeModelStatus.Completed, r.Status));
        Assert.All(results, r => Assert.True(r.Correct, "logits differ from the model's answer"));
        Assert.Equal(Requests, large1.Worker.Answered + large2.Worker.Answered);
        Assert.True(large1.Worker.Answered >= Requests / 10, $"large-1 answered only {large1.Worker.Answered} of {Requests}");
        Assert.True(large2.Worker.Answered >= Requests / 10, $"large-2 answered only {large2.Worker.Answered} of {Requests}");
        Assert.Equal(0, _counters.Total("kcm_large_duplicate_replies_total"));
    }

    [Fact]
    public async Task A_worker_killed_mid_request_has_its_request_redelivered_and_answered_once()
    {
        await using var front = await FrontNode.StartAsync(Broker, "front-1", _model, _instruments);
        await using var doomed = await LargeNode.StartAsync(Broker, "large-doomed", _model, _instruments);
        doomed.Model.Gate.Reset();

        var request = InferOneAsync(front.Pool, 7, batchSize: 2, TimeSpan.FromSeconds(20));
        Assert.True(doomed.Model.Entered.Wait(TimeSpan.FromSeconds(10)), "the doomed worker never started the request");
        await using var survivor = await LargeNode.StartAsync(Broker, "large-survivor", _model, _instruments);
        await doomed.KillAsync(fixture.Broker);
        var result = await request;
        // The dead node's model finishes after its death; its reply must not go anywhere.
        doomed.Model.Gate.Set();
        await Task.Delay(300);

        Assert.Equal(LargeModelStatus.Completed, result.Status);
        Assert.True(result.Correct);
        Assert.Equal(1, survivor.Worker.Answered);
        Assert.Equal(0, doomed.Worker.Answered);
        Assert.Equal(1, _counters.Total("kcm_large_redeliveries_total"));
        Assert.Equal(0, _counters.Total("kcm_large_duplicate_replies_total"));
        Assert.Equal(0, _counters.Total("kcm_large_reply_timeouts_total"));
    }

    [Fact]
    public async Task A_slow_reply_is_retried_once_and_the_late_duplicate_is_ignored()
    {
        await using var front = await FrontNode.StartAsync(Broker, "front-1", _model, _instruments);
        await using var large = await LargeNode.StartAsync(Broker, "large-1", _model, _instruments);
        // Slower than half the timeout (the retry point), faster than the whole.
        large.Model.Delay = TimeSpan.FromMilliseconds(1300);

        var result = await InferOneAsync(front.Pool, 3, batchSize: 1, TimeSpan.FromMilliseconds(2000));
        await WaitUntilAsync(() => _counters.Total("kcm_large_duplicate_replies_total") == 1, TimeSpan.FromSeconds(5));

        Assert.Equal(LargeModelStatus.Completed, result.Status);
        Assert.True(result.Correct);
        Assert.Equal(1, _counters.Total("kcm_large_reply_timeouts_total"));
        Assert.Equal(2, large.Worker.Answered);
        Assert.Equal(1, _counters.Total("kcm_large_duplicate_replies_total"));
    }

    [Fact]
    public async Task Without_workers_a_request_is_retried_once_then_refused_at_its_deadline()
    {
        await using var front = await FrontNode.StartAsync(Broker, "front-1", _model, _instruments);
        var stopwatch = Stopwatch.StartNew();

        var result = await InferOneAsync(front.Pool, 1, batchSize: 1, TimeSpan.FromMilliseconds(600));

        Assert.Equal(LargeModelStatus.DeadlineExceeded, result.Status);
        Assert.InRange(stopwatch.Elapsed, TimeSpan.FromMilliseconds(550), TimeSpan.FromSeconds(3));
        Assert.Equal(2, _counters.Total("kcm_large_reply_timeouts_total"));
        Assert.Equal(0, front.Pool.QueueDepth);
    }

    [Fact]
    public async Task Expired_work_is_dropped_by_the_worker_without_running()
    {
        await using var front = await FrontNode.StartAsync(Broker, "front-1", _model, _instruments);
        // Both attempts of a request that nobody serves in time wait in the queue past their deadline.
        var result = await InferOneAsync(front.Pool, 1, batchSize: 1, TimeSpan.FromMilliseconds(300));
        Assert.Equal(LargeModelStatus.DeadlineExceeded, result.Status);

        await using var large = await LargeNode.StartAsync(Broker, "large-late", _model, _instruments);
        await WaitUntilAsync(() => _counters.Total("kcm_large_expired_dropped_total") == 2, TimeSpan.FromSeconds(10));

        Assert.Equal(0, large.Model.SamplesRun);
        Assert.Equal(0, large.Worker.Answered);
        Assert.Equal(0u, await MessagesInAsync(ClusterNames.LargeWorkQueue(_model)));
    }

    [Fact]
    public async Task A_malformed_request_is_rejected_and_the_worker_keeps_serving()
    {
        await using var front = await FrontNode.StartAsync(Broker, "front-1", _model, _instruments);
        await using var large = await LargeNode.StartAsync(Broker, "large-1", _model, _instruments);
        await using (var connection = await BrokerConnection.ConnectAsync(Broker, "raw", NullLogger.Instance, CancellationToken.None))
        {
            await using var channel = await connection.OpenChannelAsync(confirms: true, null, CancellationToken.None);
            var properties = new BasicProperties { ReplyTo = front.Pool.ReplyQueue, CorrelationId = "garbage" };
            await channel.BasicPublishAsync(string.Empty, ClusterNames.LargeWorkQueue(_model), true, properties, new byte[] { 1, 2, 3 });
        }

        var result = await InferOneAsync(front.Pool, 5, batchSize: 2, TimeSpan.FromSeconds(10));

        Assert.Equal(LargeModelStatus.Completed, result.Status);
        Assert.True(result.Correct);
        Assert.Equal(1, large.Worker.Answered);
        Assert.Equal(0u, await MessagesInAsync(ClusterNames.LargeWorkQueue(_model)));
    }

    private async Task<uint> MessagesInAsync(string queue)
    {
        await using var connection = await BrokerConnection.ConnectAsync(Broker, "probe", NullLogger.Instance, CancellationToken.None);
        await using var channel = await connection.OpenChannelAsync(confirms: false, null, CancellationToken.None);
        var declared = await channel.QueueDeclarePassiveAsync(queue);
        return declared.MessageCount;
    }

    private static async Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout)
    {
        var stopwatch = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(stopwatch.Elapsed < timeout, $"condition not met within {timeout}");
            await Task.Delay(20);
        }
    }

    private static async Task<(LargeModelStatus Status, bool Correct)> InferOneAsync(ILargeModelPoolGrain pool, int seed, int batchSize, TimeSpan timeout)
    {
        var inputs = new float[batchSize * Features];
        var hints = new float[batchSize * Classes];
        for (var i = 0; i < inputs.Length; i++)
        {
            inputs[i] = (seed * 31 + i) % 17 / 4f;
        }

        for (var i = 0; i < hints.Length; i++)
        {
            hints[i] = (seed + i) % 5 / 10f;
        }

        var logits = new float[batchSize * Classes];
        var status = await pool.InferAsync(inputs, hints, batchSize, logits, timeout, CancellationToken.None);
        var correct = true;
        for (var s = 0; s < batchSize; s++)
        {
            for (var c = 0; c < Classes; c++)
            {
                var expected = ArithmeticLargeModel.Expected(inputs.AsSpan(s * Features, Features), hints.AsSpan(s * Classes, Classes), c);
                correct &= logits[s * Classes + c] == expected;
            }
        }

        return (status, correct);
    }
}
