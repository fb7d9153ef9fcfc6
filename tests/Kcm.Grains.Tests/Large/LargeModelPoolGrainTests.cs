using Kcm.Grains.Large;
using Kcm.Grains.Telemetry;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kcm.Grains.Tests.Large;

public sealed class LargeModelPoolGrainTests
{
    private const int Features = 4;
    private const int Classes = 2;

    [Fact]
    public async Task InferAsync_ConcurrentSingleSamples_GathersThemIntoBatchesAndAnswersEachItsOwn()
    {
        using var instruments = new KcmInstruments();
        var model = new CountingLargeModel(Features, Classes);
        await using var pool = new LargeModelPoolGrain(
            [model], new LargeModelPoolOptions { MaxBatchSize = 8, MaxQueueDelayMicroseconds = 20_000, QueueCapacity = 64 }, instruments,
            NullLogger<LargeModelPoolGrain>.Instance);

        var results = await Task.WhenAll(Enumerable.Range(0, 16).Select(i => Task.Run(async () =>
        {
            var logits = new float[Classes];
            var status = await pool.InferAsync(new float[] { i, -i, 0, 0 }, default, 1, logits, TimeSpan.FromSeconds(10), default);
            return (i, status, logits);
        })));

        Assert.All(results, r =>
        {
            Assert.Equal(LargeModelStatus.Completed, r.status);
            Assert.Equal(new float[] { r.i, -r.i }, r.logits);
        });
        Assert.Equal(16, model.Batches.Sum());
        Assert.All(model.Batches, b => Assert.InRange(b, 1, 8));
        Assert.True(model.Batches.Count < 16, $"no batching happened: {string.Join(",", model.Batches)}");
    }

    [Fact]
    public async Task InferAsync_QueueFull_RefusesAtOnceAndAnswersAcceptedOnes()
    {
        using var instruments = new KcmInstruments();
        using var gate = new SemaphoreSlim(0);
        var model = new CountingLargeModel(Features, Classes) { Gate = gate };
        await using var pool = new LargeModelPoolGrain(
            [model], new LargeModelPoolOptions { MaxBatchSize = 1, MaxQueueDelayMicroseconds = 0, QueueCapacity = 2 }, instruments,
            NullLogger<LargeModelPoolGrain>.Instance);

        // One runs (blocked at the gate), two wait in the queue, the rest are refused.
        var first = pool.InferAsync(new float[Features], default, 1, new float[Classes], TimeSpan.FromSeconds(10), default).AsTask();
        while (pool.InFlight == 0)
        {
            await Task.Delay(1);
        }

        var queued = Enumerable.Range(0, 2)
            .Select(_ => pool.InferAsync(new float[Features], default, 1, new float[Classes], TimeSpan.FromSeconds(10), default).AsTask())
            .ToList();
        var refused = await pool.InferAsync(new float[Features], default, 1, new float[Classes], TimeSpan.FromSeconds(10), default);

        Assert.Equal(LargeModelStatus.QueueFull, refused);
        Assert.Equal(2, pool.QueueDepth);
        gate.Release(3);
        Assert.All(await Task.WhenAll([first, .. queued]), s => Assert.Equal(LargeModelStatus.Completed, s));
    }

    [Fact]
    public async Task InferAsync_DeadlinePassesWhileQueued_SkippedWithoutRunning()
    {
        using var instruments = new KcmInstruments();
        using var gate = new SemaphoreSlim(0);
        var model = new CountingLargeModel(Features, Classes) { Gate = gate };
        await using var pool = new LargeModelPoolGrain(
            [model], new LargeModelPoolOptions { MaxBatchSize = 1, MaxQueueDelayMicroseconds = 0, QueueCapacity = 4 }, instruments,
            NullLogger<LargeModelPoolGrain>.Instance);
        var blocker = pool.InferAsync(new float[Features], default, 1, new float[Classes], TimeSpan.FromSeconds(10), default).AsTask();
        while (pool.InFlight == 0)
        {
            await Task.Delay(1);
        }

        var late = await pool.InferAsync(new float[Features], default, 1, new float[Classes], TimeSpan.FromMilliseconds(50), default);
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(50));
        var cancelled = pool.InferAsync(new float[Features], default, 1, new float[Classes], TimeSpan.FromSeconds(10), cancel.Token).AsTask();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);
        gate.Release(10);
        await blocker;
        await Task.Delay(100);

        Assert.Equal(LargeModelStatus.DeadlineExceeded, late);
        Assert.Equal([1], model.Batches); // neither the late nor the cancelled request ran
    }

    [Fact]
    public void Constructor_InvalidOptions_NamesEveryBadField()
    {
        using var instruments = new KcmInstruments();
        var options = new LargeModelPoolOptions { MaxBatchSize = 0, MaxQueueDelayMicroseconds = -1, QueueCapacity = 0, InstanceCount = 0 };

        var error = Assert.Throws<ArgumentException>(() =>
            new LargeModelPoolGrain([new CountingLargeModel(Features, Classes)], options, instruments, NullLogger<LargeModelPoolGrain>.Instance));

        foreach (var field in new[] { "MaxBatchSize", "MaxQueueDelayMicroseconds", "QueueCapacity", "InstanceCount" })
        {
            Assert.Contains(field, error.Message);
        }
    }
}
