using System.Diagnostics.Metrics;
using Kcm.Abstractions.Classification;
using Kcm.Grains.Classification;
using Kcm.Grains.Telemetry;
using Kcm.Models.Distillation;
using Kcm.Models.Large;
using Kcm.Models.Sources;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kcm.Grains.Tests.Classification;

/// <summary>The batcher's refusals, on a large model the test holds: these need a queue that is full or slow on purpose.</summary>
public sealed class LargeModelBatcherTests
{
    [Fact]
    public async Task AFullQueue_IsOverloaded_AtOnce()
    {
        using var model = new HeldLargeModel();
        await using var batcher = Create(model, queueCapacity: 1);

        var running = batcher.InferAsync(Batch(1), TimeSpan.FromSeconds(10), default);
        await model.Entered.Task.WaitAsync(TimeSpan.FromSeconds(5));
        var waiting = batcher.InferAsync(Batch(1), TimeSpan.FromSeconds(10), default);
        var refused = await batcher.InferAsync(Batch(1), TimeSpan.FromSeconds(10), default);
        model.Release.SetResult();

        Assert.Equal(ClassifyStatus.Overloaded, refused.Status);
        Assert.Empty(refused.Probabilities);
        Assert.Equal(ClassifyStatus.Completed, (await running).Status);
        Assert.Equal(ClassifyStatus.Completed, (await waiting).Status);
    }

    [Fact]
    public async Task ARequestStillQueuedAtItsDeadline_IsDeadlineExceeded()
    {
        using var model = new HeldLargeModel();
        await using var batcher = Create(model, queueCapacity: 4);

        var running = batcher.InferAsync(Batch(1), TimeSpan.FromSeconds(10), default);
        await model.Entered.Task.WaitAsync(TimeSpan.FromSeconds(5));
        var late = await batcher.InferAsync(Batch(1), TimeSpan.FromMilliseconds(50), default);
        model.Release.SetResult();

        Assert.Equal(ClassifyStatus.DeadlineExceeded, late.Status);
        Assert.Equal(ClassifyStatus.Completed, (await running).Status);
    }

    [Fact]
    public async Task ANonFiniteOutput_IsRefused_NamingTheRow()
    {
        using var model = new HeldLargeModel { NaNRow = 2 };
        model.Release.SetResult();
        await using var batcher = Create(model, queueCapacity: 4);

        var answer = await batcher.InferAsync(Batch(4), TimeSpan.FromSeconds(10), default);

        Assert.Equal(ClassifyStatus.NonFiniteOutput, answer.Status);
        Assert.Equal(2, answer.FailedRow);
    }

    [Fact]
    public async Task AfterIdle_RequestsWaitForCompany_ButABacklogRunsAtOnceWithoutWaiting()
    {
        using var model = new HeldLargeModel();
        await using var batcher = Create(model, queueCapacity: 8, maxQueueDelay: TimeSpan.FromSeconds(1));

        // The model is idle: the first request waits (up to the delay) for company and runs with the second.
        var first = batcher.InferAsync(Batch(1), TimeSpan.FromSeconds(30), default);
        await Task.Delay(50);
        var second = batcher.InferAsync(Batch(2), TimeSpan.FromSeconds(30), default);
        await model.Entered.Task.WaitAsync(TimeSpan.FromSeconds(10));
        // While that batch runs, a request queues: the backlog of a busy model runs as soon as the model is free.
        var backlog = batcher.InferAsync(Batch(1), TimeSpan.FromSeconds(30), default);
        await Task.Delay(50);
        var released = System.Diagnostics.Stopwatch.StartNew();
        model.Release.SetResult();
        var answer = await backlog;

        Assert.Equal(ClassifyStatus.Completed, answer.Status);
        Assert.True(released.Elapsed < TimeSpan.FromSeconds(0.7), $"the backlog waited {released.Elapsed} for company after the model was free");
        Assert.Equal(ClassifyStatus.Completed, (await first).Status);
        Assert.Equal(ClassifyStatus.Completed, (await second).Status);
        Assert.Equal([3, 1], model.Batches);
    }

    private static LargeModelBatch Batch(int rows) => new(new float[rows * HeldLargeModel.Features], new float[rows * HeldLargeModel.Classes], new float[rows * HeldLargeModel.Classes], rows);

    private static LargeModelBatcher Create(HeldLargeModel model, int queueCapacity, TimeSpan maxQueueDelay = default)
    {
        var meters = new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<IMeterFactory>();
        var options = new LargeModelBatcherOptions { QueueCapacity = queueCapacity, MaxBatchSize = 64, MaxQueueDelayMicroseconds = (int)maxQueueDelay.TotalMicroseconds };
        return new LargeModelBatcher(
            new OneModelSource(model), options,
            new KcmInstruments(meters), TimeProvider.System, NullLogger<LargeModelBatcher>.Instance);
    }

    /// <summary>A model source whose large model is the test's.</summary>
    private sealed class OneModelSource(ILargeModel model) : IServingModelSource
    {
        public Task<InitialModels> CreateInitialModelsAsync(string modelName, CancellationToken cancellationToken) => throw new NotSupportedException();

        public ILargeModel OpenLargeModel() => model;

        public DistillationTrainer CreateSmallModelTrainer() => throw new NotSupportedException();

        public DistillationTrainer CreateJudgeTrainer() => throw new NotSupportedException();

        public ThresholdCalibrator Calibrator => throw new NotSupportedException();
    }

    /// <summary>A large model that holds every run until the test releases it, and can answer NaN for one row.</summary>
    private sealed class HeldLargeModel : ILargeModel
    {
        public const int Features = 4;
        public const int Classes = 3;

        public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public int NaNRow { get; init; } = -1;

        /// <summary>The size of every batch run, in order.</summary>
        public System.Collections.Concurrent.ConcurrentQueue<int> Batches { get; } = new();

        public string Name => "held";

        public int InputSize => Features;

        public int ClassCount => Classes;

        public string? HintInputName => null;

        public bool UsesHint => false;

        public void Run(ReadOnlySpan<float> inputs, ReadOnlySpan<float> hints, int batchSize, Span<float> logits)
        {
            Batches.Enqueue(batchSize);
            Entered.TrySetResult();
            Release.Task.Wait(TimeSpan.FromSeconds(10));
            logits[..(batchSize * Classes)].Fill(1f);
            if (NaNRow >= 0 && NaNRow < batchSize)
            {
                logits[NaNRow * Classes] = float.NaN;
            }
        }

        public void Dispose()
        {
        }
    }
}
