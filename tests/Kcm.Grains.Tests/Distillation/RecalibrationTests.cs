using System.Diagnostics.Metrics;
using Kcm.Abstractions.Classification;
using Kcm.Abstractions.Distillation;
using Kcm.Abstractions.Registry;
using Kcm.Core.Data;
using Kcm.Core.Distillation;
using Kcm.Core.Mlp;
using Kcm.Core.Routing;
using Kcm.Core.Training;
using Kcm.Grains.Distillation;
using Kcm.Grains.Serving;
using Kcm.Grains.Telemetry;
using Kcm.Grains.Tests.Support;
using Kcm.Models;
using Kcm.Models.Distillation;
using Kcm.Models.Large;
using Kcm.Models.Sources;
using Kcm.Models.Storage;
using Kcm.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit.Abstractions;

namespace Kcm.Grains.Tests.Distillation;

/// <summary>
/// The serving version is one triple (small model, judge, threshold): the first threshold is calibrated on the
/// calibration rows, an accepted round re-calibrates it for the new small model and publishes the three as one version,
/// every silo serves it within 2 s, and kcm_calibrated_large_share follows; a threshold set by hand stays through rounds.
/// </summary>
public sealed class RecalibrationTests(ITestOutputHelper output) : IDisposable
{
    // Its own store: the shared test store may hold other tests' first models under the same name, and the first
    // version must be the one this test's settings train.
    private readonly string _store = Directory.CreateTempSubdirectory("kcm-recalibration-").FullName;

    public void Dispose() => Directory.Delete(_store, recursive: true);

    [Theory]
    [InlineData(RoutingScore.JudgeMaxSoftmax)]
    [InlineData(RoutingScore.Ensemble)]
    public async Task AnAcceptedRound_PublishesTheRecalibratedThreshold_WithItsModelsAndScore_OnEverySilo(RoutingScore score)
    {
        await using var serving = await ServingCluster.StartAsync(
            new SharedGrainRecords(),
            new Dictionary<string, string?>
            {
                ["Kcm:Calibration:Rule"] = "AccuracyTolerance",
                ["Kcm:Calibration:TolerancePoints"] = "3",
                ["Kcm:Calibration:Score"] = score.ToString(),
                // The shipped large model (92% on Fashion-MNIST): the test fixture's echoes its hint, so it never beats the small model.
                ["Kcm:Embedded:LargeModelPath"] = RepositoryRoot.Combine("models", "fashion-cnn.onnx"),
                ["Kcm:Embedded:HintInputName"] = null,
                // A first small model good enough that the calibrated threshold sends a fair share to it.
                ["Kcm:Embedded:SeedSamples"] = "3000",
                ["Kcm:Embedded:Epochs"] = "2",
                ["Kcm:StorePath"] = _store,
            },
            configureServices: services => services.AddSingleton<IServingModelSource>(sp => new UntrainedCandidateSource(
                sp.GetRequiredService<EmbeddedModelOptions>(), sp.GetRequiredService<ThresholdCalibrationOptions>(),
                sp.GetRequiredService<IModelStore>(), sp.GetRequiredService<SafetensorsClassifierCodec>())));
        var registry = serving.Client.GetGrain<IModelRegistryGrain>(ServingCluster.Model);
        var first = (await registry.GetCurrentAsync())!;
        Assert.NotNull(first.CalibratedLargeShare);
        Assert.Equal(score, first.Score);
        Assert.Equal(first.CalibratedLargeShare, CalibratedShares(serving));

        // The calibrator's own answer for the first models is the threshold the first version serves.
        var source = serving.Services(0).GetRequiredService<IServingModelSource>();
        var (small, judge) = await DecodeAsync(serving, first);
        var expected = source.Calibrator.Calibrate(small, judge);
        Assert.Equal(source.Calibrator.ServingThreshold(expected), first.Threshold);
        Assert.Equal(expected.ExpectedLargeShare, first.CalibratedLargeShare);

        Enqueue(serving, 3000, 50);
        var round = await serving.Client.GetGrain<IDistillationGrain>(ServingCluster.Model).RunRoundAsync();
        Assert.Equal(DistillationOutcome.Accepted, round.Outcome);
        var published = (await registry.GetCurrentAsync())!;

        // An untrained small model is right one time in ten: within 3 points of large-only means nearly all large.
        Assert.Equal(first.Version + 1, published.Version);
        Assert.NotEqual(first.Small, published.Small);
        Assert.NotEqual(first.Threshold, published.Threshold);
        Assert.Equal(score, published.Score);
        output.WriteLine($"calibrated: threshold {first.Threshold} -> {published.Threshold}, large share {first.CalibratedLargeShare} -> {published.CalibratedLargeShare}");
        Assert.True(published.CalibratedLargeShare > first.CalibratedLargeShare + 0.2, $"calibrated large share {first.CalibratedLargeShare} -> {published.CalibratedLargeShare}");
        var (newSmall, newJudge) = await DecodeAsync(serving, published);
        var recalibrated = source.Calibrator.Calibrate(newSmall, newJudge);
        Assert.Equal((source.Calibrator.ServingThreshold(recalibrated), (double?)recalibrated.ExpectedLargeShare), (published.Threshold, published.CalibratedLargeShare));
        await serving.WaitUntilAsync(
            s => s.GetRequiredService<ServingSnapshotHolder>().Current?.Version == published, TimeSpan.FromSeconds(2), "every silo serving the re-calibrated version");
        Assert.Equal(published.CalibratedLargeShare, CalibratedShares(serving));

        // Set by hand: not calibrated (the gauge has no series), and the next round keeps it.
        var pinned = await registry.SetThresholdAsync(0.5);
        Assert.Null(pinned.CalibratedLargeShare);
        await serving.WaitUntilAsync(s => s.GetRequiredService<ServingSnapshotHolder>().Current?.Version == pinned, TimeSpan.FromSeconds(2), "the pinned version");
        Assert.Null(CalibratedShares(serving));
        Enqueue(serving, 3100, 50);
        var next = await serving.Client.GetGrain<IDistillationGrain>(ServingCluster.Model).RunRoundAsync();
        Assert.Equal(DistillationOutcome.Accepted, next.Outcome);
        var kept = (await registry.GetCurrentAsync())!;
        Assert.Equal((0.5, (double?)null, score), (kept.Threshold, kept.CalibratedLargeShare, kept.Score));
    }

    /// <summary>Teacher records straight into the distiller's queue: whichever route the calibrated threshold gives the rows.</summary>
    private static void Enqueue(ServingCluster serving, int start, int count)
    {
        var queue = serving.Services(0).GetRequiredService<ITeacherQueue>();
        var features = TestImages.Rows(start, count);
        for (var i = 0; i < count; i++)
        {
            var teacher = new float[10];
            teacher[i % 10] = 1f;
            Assert.True(queue.TryEnqueue(Guid.NewGuid(), new TeacherRecord(features.AsSpan(i * FashionMnist.PixelCount, FashionMnist.PixelCount).ToArray(), teacher, null, null)));
        }
    }

    /// <summary>The value both silos' kcm_calibrated_large_share gauges give (they must agree), or null when neither has a series.</summary>
    private static double? CalibratedShares(ServingCluster serving)
    {
        var values = new List<double>[] { [], [] };
        var scopes = new[] { serving.Services(0).GetRequiredService<IMeterFactory>(), serving.Services(1).GetRequiredService<IMeterFactory>() };
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == KcmInstruments.MeterName && instrument.Name == "kcm_calibrated_large_share")
                {
                    l.EnableMeasurementEvents(instrument, Array.IndexOf(scopes, instrument.Meter.Scope));
                }
            },
        };
        listener.SetMeasurementEventCallback<double>((_, value, _, state) =>
        {
            if (state is int silo and >= 0)
            {
                values[silo].Add(value);
            }
        });
        listener.Start();
        listener.RecordObservableInstruments();
        Assert.Equal(values[0], values[1]);
        return values[0].Count == 0 ? null : Assert.Single(values[0]);
    }

    private static async Task<(Kcm.Core.Models.IClassifier Small, Kcm.Core.Models.IClassifier Judge)> DecodeAsync(ServingCluster serving, ServingVersion version)
    {
        var store = serving.Services(0).GetRequiredService<IModelStore>();
        var codec = serving.Services(0).GetRequiredService<SafetensorsClassifierCodec>();
        return (codec.Decode(await store.LoadAsync(version.Small.Series, version.Small.Version, CancellationToken.None)),
            codec.Decode(await store.LoadAsync(version.Judge.Series, version.Judge.Version, CancellationToken.None)));
    }

    /// <summary>The test models' source, except that a round's small-model candidate is an untrained network, accepted.</summary>
    private sealed class UntrainedCandidateSource(
        EmbeddedModelOptions options, ThresholdCalibrationOptions calibration, IModelStore store, SafetensorsClassifierCodec codec) : IServingModelSource
    {
        private readonly EmbeddedModelSource _inner = new(options, store, codec, calibration, NullLogger<EmbeddedModelSource>.Instance);

        public ThresholdCalibrator Calibrator => _inner.Calibrator;

        public Task<InitialModels> CreateInitialModelsAsync(string modelName, CancellationToken cancellationToken) => _inner.CreateInitialModelsAsync(modelName, cancellationToken);

        public ILargeModel OpenLargeModel() => _inner.OpenLargeModel();

        public DistillationTrainer CreateSmallModelTrainer() =>
            new(new UntrainedDistiller(), () => new Dataset(new float[FashionMnist.PixelCount], [0], FashionMnist.PixelCount, 10), new TeacherReplay(() => [], 0));

        public DistillationTrainer CreateJudgeTrainer() => _inner.CreateJudgeTrainer();

        private sealed class UntrainedDistiller : IClassifierDistiller
        {
            public DistillationResult Distill(ITrainableClassifier current, IReadOnlyList<TeacherRecord> records, Dataset checkSet, CancellationToken cancellationToken = default) =>
                new(MlpClassifier.CreateRandom(MlpNetwork.DefaultSmallModel, 99), true, "Accepted: an untrained network.", 0.1, 0.8, records.Count, records.Count, 0, 0, TimeSpan.Zero);
        }
    }
}
