using Kcm.Core.Models;
using Kcm.Grains.Distillation;
using Kcm.Grains.Telemetry;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kcm.Grains.Tests.Distillation;

public sealed class DistillationGrainTests
{
    private static readonly IClassifier Model = new Large.IdentityClassifier();

    [Fact]
    public async Task Schedule_RecordsReachRoundSize_RunsRoundAndPublishesCandidate()
    {
        using var instruments = new KcmInstruments();
        var queue = new InProcessTeacherQueue(100, instruments);
        var small = new RecordingSmallModelGrain(Model);
        var trainer = new ScriptedTrainer(current => new DistillationTrainerResult(current, true, "ok", 0.5, 0.6));
        await using var grain = Create(queue, trainer, small, new DistillationScheduleOptions { RecordsPerRound = 10, MinRecords = 5, IntervalSeconds = 3600 }, instruments);
        grain.Start();

        for (var i = 0; i < 9; i++)
        {
            queue.TryEnqueue(Record());
        }

        await Task.Delay(300);
        Assert.Equal(0, trainer.Calls); // 9 records, interval far away: no round yet
        queue.TryEnqueue(Record());
        await WaitUntilAsync(() => small.PublishedAccuracies.Count == 1);

        Assert.Equal(10, trainer.RecordsSeen);
        Assert.Equal(0.6, small.PublishedAccuracies[0]);
        Assert.Equal(2, (await small.GetCurrentAsync()).Version);
    }

    [Fact]
    public async Task Schedule_IntervalPasses_RunsRoundOnFewerRecords()
    {
        using var instruments = new KcmInstruments();
        var queue = new InProcessTeacherQueue(100, instruments);
        var small = new RecordingSmallModelGrain(Model);
        var trainer = new ScriptedTrainer(current => new DistillationTrainerResult(current, true, "ok", 0.5, 0.6));
        await using var grain = Create(queue, trainer, small, new DistillationScheduleOptions { RecordsPerRound = 1000, MinRecords = 3, IntervalSeconds = 0.2 }, instruments);
        grain.Start();

        queue.TryEnqueue(Record());
        queue.TryEnqueue(Record());
        await Task.Delay(500);
        Assert.Equal(0, trainer.Calls); // below MinRecords
        queue.TryEnqueue(Record());
        await WaitUntilAsync(() => trainer.Calls == 1);

        Assert.Equal(3, trainer.RecordsSeen);
    }

    [Fact]
    public async Task RunRound_RejectedOrFailing_LeavesServingVersionAndConsumesRecords()
    {
        using var instruments = new KcmInstruments();
        var queue = new InProcessTeacherQueue(100, instruments);
        var small = new RecordingSmallModelGrain(Model);
        var fail = false;
        var trainer = new ScriptedTrainer(current => fail
            ? throw new InvalidOperationException("boom")
            : new DistillationTrainerResult(current, false, "worse on the check set", 0.6, 0.4));
        await using var grain = Create(queue, trainer, small, new DistillationScheduleOptions { Enabled = false }, instruments);

        queue.TryEnqueue(Record());
        var rejected = await grain.RunRoundAsync(default);
        fail = true;
        queue.TryEnqueue(Record());
        var failed = await grain.RunRoundAsync(default);
        var empty = await grain.RunRoundAsync(default);

        Assert.Equal(DistillationRoundOutcome.Rejected, rejected.Outcome);
        Assert.Equal("worse on the check set", rejected.Detail);
        Assert.Equal(DistillationRoundOutcome.Failed, failed.Outcome);
        Assert.Contains("boom", failed.Detail);
        Assert.Equal(DistillationRoundOutcome.Empty, empty.Outcome);
        Assert.Empty(small.PublishedAccuracies);
        Assert.Equal(1, (await small.GetCurrentAsync()).Version);
        Assert.Equal(0, queue.Count);
    }

    [Fact]
    public async Task RunRound_ConcurrentCalls_RunOneAtATime()
    {
        using var instruments = new KcmInstruments();
        var queue = new InProcessTeacherQueue(100, instruments);
        var small = new RecordingSmallModelGrain(Model);
        var trainer = new ScriptedTrainer(current => new DistillationTrainerResult(current, true, "ok", 0.5, 0.6), TimeSpan.FromMilliseconds(50));
        await using var grain = Create(queue, trainer, small, new DistillationScheduleOptions { Enabled = false }, instruments);
        for (var i = 0; i < 4; i++)
        {
            queue.TryEnqueue(Record());
        }

        var rounds = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => grain.RunRoundAsync(default)));

        Assert.False(trainer.Overlapped);
        Assert.Equal(1, rounds.Count(r => r.Outcome == DistillationRoundOutcome.Accepted));
        Assert.Equal(3, rounds.Count(r => r.Outcome == DistillationRoundOutcome.Empty));
    }

    private static DistillationGrain Create(
        ITeacherQueue queue, IDistillationTrainer trainer, RecordingSmallModelGrain small, DistillationScheduleOptions options, KcmInstruments instruments) =>
        new(queue, trainer, small, options, instruments, NullLogger<DistillationGrain>.Instance);

    private static TeacherSample Record() => new([0f, 1f], [0.1f, 0.9f], null, null);

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var until = DateTime.UtcNow.AddSeconds(10);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < until, "the condition did not hold within 10 s");
            await Task.Delay(10);
        }
    }
}
