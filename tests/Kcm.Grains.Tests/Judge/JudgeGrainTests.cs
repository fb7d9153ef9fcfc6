using Kcm.Grains.Distillation;
using Kcm.Grains.Judge;
using Kcm.Grains.Storage;
using Kcm.Grains.Telemetry;
using Kcm.Grains.Tests.Distillation;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kcm.Grains.Tests.Judge;

public sealed class JudgeGrainTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "kcm-judge-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    [Fact]
    public async Task PublishAsync_StoresTheCandidateAndScoresWithTheStoredVersion()
    {
        using var instruments = new KcmInstruments();
        var store = new LocalDirectoryModelStore(_folder, 3);
        var judge = await CreateAsync(instruments, new JudgeStorage(store, "m.judge", new ScaledClassifierCodec()));

        var before = await ConfidenceAsync(judge);
        var published = await judge.PublishAsync(new ScaledClassifier(10f), 0.9, default);
        var after = await ConfidenceAsync(judge);

        Assert.Equal(0.731, before, 3); // softmax(2, 1)
        Assert.Equal(1, published.Version);
        Assert.Same(published, judge.Current);
        Assert.Equal(10f, ((ScaledClassifier)judge.Current.Model).Scale);
        Assert.True(after > 0.9999, $"confidence {after}");
        Assert.Equal([1], (await store.ListAsync("m.judge", default)).Select(v => v.Version));
    }

    [Fact]
    public async Task PublishAsync_WithoutStorageOrWithWrongShape_RefusesAndKeepsServing()
    {
        using var instruments = new KcmInstruments();
        var fixedJudge = await CreateAsync(instruments, storage: null);
        var stored = await CreateAsync(instruments, new JudgeStorage(new LocalDirectoryModelStore(_folder, 3), "m.judge", new ScaledClassifierCodec()));

        await Assert.ThrowsAsync<InvalidOperationException>(() => fixedJudge.PublishAsync(new ScaledClassifier(5f), 0.9, default));
        await Assert.ThrowsAsync<ArgumentException>(() => stored.PublishAsync(new ThreeFeatureClassifier(), 0.9, default));

        Assert.Equal(0, stored.Current.Version);
        Assert.Equal(0.731, await ConfidenceAsync(stored), 3);
    }

    [Fact]
    public async Task DistillationRound_WithJudgeTrainer_SwapsAnAcceptedJudgeAndKeepsARejectedOne()
    {
        using var instruments = new KcmInstruments();
        var queue = new InProcessTeacherQueue(100, instruments);
        var small = new RecordingSmallModelGrain(new Large.IdentityClassifier());
        var judge = await CreateAsync(instruments, new JudgeStorage(new LocalDirectoryModelStore(_folder, 3), "m.judge", new ScaledClassifierCodec()));
        var acceptJudge = true;
        var smallTrainer = new ScriptedTrainer(current => new DistillationTrainerResult(current, true, "small ok", 0.5, 0.6));
        var judgeTrainer = new ScriptedTrainer(current => acceptJudge
            ? new DistillationTrainerResult(new ScaledClassifier(((ScaledClassifier)current).Scale * 2), true, "judge ok", 0.5, 0.55)
            : new DistillationTrainerResult(new ScaledClassifier(0f), false, "judge worse on the check set", 0.55, 0.3));
        await using var grain = new DistillationGrain(
            queue, smallTrainer, small, new DistillationScheduleOptions { Enabled = false }, instruments, NullLogger<DistillationGrain>.Instance, judgeTrainer, judge);

        queue.TryEnqueue(new TeacherSample([0f, 1f], [0.1f, 0.9f], null, null));
        var accepted = await grain.RunRoundAsync(default);
        acceptJudge = false;
        queue.TryEnqueue(new TeacherSample([0f, 1f], [0.1f, 0.9f], null, null));
        var rejected = await grain.RunRoundAsync(default);

        Assert.Equal(1, accepted.JudgeVersion);
        Assert.Contains("judge ok", accepted.JudgeDetail);
        Assert.Null(rejected.JudgeVersion);
        Assert.Contains("judge worse on the check set", rejected.JudgeDetail);
        Assert.Equal(1, judge.Current.Version);
        Assert.Equal(2f, ((ScaledClassifier)judge.Current.Model).Scale);
        Assert.Equal(2, judgeTrainer.Calls);
    }

    private Task<JudgeGrain> CreateAsync(KcmInstruments instruments, JudgeStorage? storage) =>
        JudgeGrain.CreateAsync(new ScaledClassifier(1f), new FileThresholdStore(Path.Combine(_folder, "threshold.json")), 0.98, instruments, default, storage);

    private static async Task<float> ConfidenceAsync(JudgeGrain judge)
    {
        var probabilities = new float[2];
        var confidence = new float[1];
        await judge.ScoreAsync(new float[] { 2f, 1f }, 1, probabilities, confidence, default);
        return confidence[0];
    }

    private sealed class ThreeFeatureClassifier : Kcm.Core.Models.IClassifier
    {
        public int InputSize => 3;

        public int ClassCount => 2;

        public void Logits(ReadOnlySpan<float> inputs, int batchSize, Span<float> logits) => logits[..(batchSize * 2)].Clear();
    }
}
