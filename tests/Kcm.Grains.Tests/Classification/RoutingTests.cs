using System.Numerics.Tensors;
using Kcm.Abstractions.Classification;
using Kcm.Abstractions.Registry;
using Kcm.Core.Models;
using Kcm.Core.Routing;
using Kcm.Grains.Classification;
using Kcm.Grains.Tests.Support;
using Kcm.Models;
using Kcm.Models.Large;
using Kcm.Models.Storage;
using Kcm.Onnx;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Runtime;

namespace Kcm.Grains.Tests.Classification;

[Collection(ServingClusterCollection.Name)]
public sealed class RoutingTests(ServingClusterFixture fixture)
{
    private const int Rows = 128;

    private ServingCluster Serving => fixture.Cluster;

    [Fact]
    public async Task Classify_GivesTheLabelsAndRoutesOfTheRoutingRule_ComputedFromTheSameModelsAndThreshold()
    {
        var registry = Serving.Client.GetGrain<IModelRegistryGrain>(ServingCluster.Model);
        var judge = Serving.Client.GetGrain<IJudgeGrain>(ServingCluster.Model);
        var features = TestImages.Rows(0, Rows);
        // The tiny judge is unsure of itself: its median confidence as the threshold sends half the rows each way.
        var confidences = (await judge.ClassifyAsync(new ClassifyBatch(features, Rows))).Confidences.Order().ToArray();
        var threshold = Math.Round(confidences[Rows / 2], 6);
        var version = await ServeThresholdAsync(registry, threshold);

        var result = await judge.ClassifyAsync(new ClassifyBatch(features, Rows, ReturnProbabilities: true));

        Assert.Equal(ClassifyStatus.Completed, result.Status);
        Assert.Equal(version.Small.Version, result.SmallModelVersion);
        Assert.Equal(threshold, result.Threshold);
        var reference = await ReferenceAnswersAsync(version, features);
        Assert.Equal(reference.Routes, result.Routes);
        Assert.Equal(reference.Labels, result.Labels);
        // Both routes are exercised, so the comparison covers the hint path too.
        Assert.Contains(SampleRoute.Small, result.Routes);
        Assert.Contains(SampleRoute.Large, result.Routes);
        Assert.True(result.HintApplied);
    }

    [Fact]
    public async Task JudgeAndLargeModel_ActivateOnlyOnTheGpuSilo_WhenCalledFromEitherSilo()
    {
        var features = TestImages.Rows(200, 16);
        // From the client (either gateway) and from inside the cpu silo, whose local placement the filter refuses.
        await Serving.Client.GetGrain<IJudgeGrain>(ServingCluster.Model).ClassifyAsync(new ClassifyBatch(features, 16));
        var fromCpuSilo = Serving.Services(1).GetRequiredService<IGrainFactory>();
        for (var i = 0; i < 4; i++)
        {
            var result = await fromCpuSilo.GetGrain<IJudgeGrain>(ServingCluster.Model).ClassifyAsync(new ClassifyBatch(features, 16));
            Assert.Equal(ClassifyStatus.Completed, result.Status);
        }

        await fromCpuSilo.GetGrain<ILargeModelGrain>(ServingCluster.Model).DescribeAsync();

        var statistics = await Serving.Client.GetGrain<IManagementGrain>(0).GetSimpleGrainStatistics();
        var judges = statistics.Where(s => s.GrainType.Contains(nameof(JudgeGrain), StringComparison.Ordinal)).ToList();
        var larges = statistics.Where(s => s.GrainType.Contains(nameof(LargeModelGrain), StringComparison.Ordinal)).ToList();
        var smalls = statistics.Where(s => s.GrainType.Contains(nameof(SmallModelGrain), StringComparison.Ordinal)).ToList();
        Assert.True(judges.Count > 0, "No judge activation in: " + string.Join(", ", statistics.Select(s => s.GrainType).Distinct()));
        Assert.NotEmpty(larges);
        Assert.All(judges, s => Assert.Equal(Serving.Address(0), s.SiloAddress));
        Assert.All(larges, s => Assert.Equal(Serving.Address(0), s.SiloAddress));
        // The small model sits beside its caller, the judge.
        Assert.All(smalls, s => Assert.Equal(Serving.Address(0), s.SiloAddress));
    }

    [Fact]
    public async Task BadInput_IsInvalidInput_WithADetailNamingTheProblem()
    {
        var judge = Serving.Client.GetGrain<IJudgeGrain>(ServingCluster.Model);
        var nan = TestImages.Rows(0, 2);
        nan[784 + 5] = float.NaN;

        var wrongCount = await judge.ClassifyAsync(new ClassifyBatch(new float[783], 1));
        var notFinite = await judge.ClassifyAsync(new ClassifyBatch(nan, 2));
        var noRows = await judge.ClassifyAsync(new ClassifyBatch([], 0));

        Assert.Equal(ClassifyStatus.InvalidInput, wrongCount.Status);
        Assert.Contains("784 features", wrongCount.Detail, StringComparison.Ordinal);
        Assert.Equal(ClassifyStatus.InvalidInput, notFinite.Status);
        Assert.Contains("Feature 5 of row 1 is NaN", notFinite.Detail, StringComparison.Ordinal);
        Assert.Equal(ClassifyStatus.InvalidInput, noRows.Status);
        Assert.Empty(noRows.Labels);
    }

    [Fact]
    public async Task AVersionCalibratedForTheEnsembleScore_RoutesByIt_KeepsItUnderAHandSetThreshold_AndARollbackRestoresTheScoreBefore()
    {
        var registry = Serving.Client.GetGrain<IModelRegistryGrain>(ServingCluster.Model);
        var judge = Serving.Client.GetGrain<IJudgeGrain>(ServingCluster.Model);
        var features = TestImages.Rows(300, Rows);
        var before = (await registry.GetCurrentAsync())!;
        var reference = await ReferenceScoresAsync(before, features);
        // The ensemble's median as the threshold: half the rows each way by the ensemble, a split the judge alone does not give.
        var threshold = Math.Round(reference.Ensemble.Order().ElementAt(Rows / 2), 6);
        var published = await ServeAsync(registry, () => registry.PublishAsync(
            new ServingProposal(before.Small, before.Judge, threshold, "ensemble test") { CalibratedLargeShare = 0.5, Score = RoutingScore.Ensemble }));

        var result = await judge.ClassifyAsync(new ClassifyBatch(features, Rows));

        Assert.Equal(RoutingScore.Ensemble, published.Score);
        Assert.Equal(ClassifyStatus.Completed, result.Status);
        for (var i = 0; i < Rows; i++)
        {
            Assert.Equal(reference.Ensemble[i], result.Confidences[i], 1e-5f);
            Assert.Equal(reference.Ensemble[i] >= threshold ? SampleRoute.Small : SampleRoute.Large, result.Routes[i]);
        }

        var expectedByJudgeAlone = reference.JudgeMax.Select(c => c >= threshold ? SampleRoute.Small : SampleRoute.Large);
        Assert.NotEqual(expectedByJudgeAlone, result.Routes);

        var handSet = await ServeAsync(registry, () => registry.SetThresholdAsync(0.5));
        Assert.Equal(RoutingScore.Ensemble, handSet.Score);
        var rolledBack = await ServeAsync(registry, () => registry.RollbackAsync(before.Version));
        Assert.Equal(before.Score, rolledBack.Score);
        var afterRollback = await judge.ClassifyAsync(new ClassifyBatch(features, Rows));
        Assert.Equal(reference.JudgeMax, afterRollback.Confidences, (a, b) => Math.Abs(a - b) < 1e-5f);
    }

    private Task<ServingVersion> ServeThresholdAsync(IModelRegistryGrain registry, double threshold) =>
        ServeAsync(registry, () => registry.SetThresholdAsync(threshold));

    private async Task<ServingVersion> ServeAsync(IModelRegistryGrain registry, Func<Task<ServingVersion>> publish)
    {
        var version = await publish();
        await Serving.WaitUntilAsync(
            s => s.GetRequiredService<Serving.ServingSnapshotHolder>().Current?.Version.Version >= version.Version, TimeSpan.FromSeconds(5), "serving the new threshold");
        return version;
    }

    /// <summary>The judge's and the small model's probabilities of every row, from the version's stored weights.</summary>
    private static async Task<(float[] Judge, float[] Small, int Rows, int Classes)> ProbabilitiesAsync(ServingVersion version, float[] features)
    {
        var store = new LocalDirectoryModelStore(TestModelStore.Root, 50);
        var codec = new SafetensorsClassifierCodec();
        var judge = codec.Decode(await store.LoadAsync(version.Judge.Series, version.Judge.Version, default));
        var small = codec.Decode(await store.LoadAsync(version.Small.Series, version.Small.Version, default));
        var rows = features.Length / judge.InputSize;
        var judged = new float[rows * judge.ClassCount];
        var smallProbabilities = new float[rows * judge.ClassCount];
        judge.Probabilities(features, rows, judged);
        small.Probabilities(features, rows, smallProbabilities);
        return (judged, smallProbabilities, rows, judge.ClassCount);
    }

    /// <summary>Per row, the judge's max softmax and the mean of the judge's and small model's probabilities of the small model's answer.</summary>
    private static async Task<(float[] JudgeMax, float[] Ensemble)> ReferenceScoresAsync(ServingVersion version, float[] features)
    {
        var (judged, smallProbabilities, rows, classes) = await ProbabilitiesAsync(version, features);
        var judgeMax = new float[rows];
        var ensemble = new float[rows];
        for (var i = 0; i < rows; i++)
        {
            var answer = TensorPrimitives.IndexOfMax(smallProbabilities.AsSpan(i * classes, classes));
            judgeMax[i] = TensorPrimitives.Max(judged.AsSpan(i * classes, classes));
            ensemble[i] = (judged[(i * classes) + answer] + smallProbabilities[(i * classes) + answer]) / 2;
        }

        return (judgeMax, ensemble);
    }

    /// <summary>
    /// The serving rule computed straight from the algorithms, outside any grain: the judge's softmax confidence through
    /// Kcm.Core's <see cref="ThresholdPolicy"/>; a small-route row answered by the small model's probabilities, a
    /// large-route row by the large ONNX model given the small model's probabilities as its hint.
    /// </summary>
    private static async Task<(int[] Labels, SampleRoute[] Routes)> ReferenceAnswersAsync(ServingVersion version, float[] features)
    {
        var (judged, smallProbabilities, rows, classes) = await ProbabilitiesAsync(version, features);
        var inputSize = features.Length / rows;
        var policy = new ThresholdPolicy { Epsilon = (float)version.Threshold };
        var labels = new int[rows];
        var routes = new SampleRoute[rows];
        using var large = new OnnxLargeModel(ServingCluster.LargeModelPath, new OnnxSessionOptions());
        var logits = new float[classes];
        for (var i = 0; i < rows; i++)
        {
            var hint = smallProbabilities.AsSpan(i * classes, classes);
            if (policy.Route(TensorPrimitives.Max(judged.AsSpan(i * classes, classes))) == RouteTarget.Small)
            {
                routes[i] = SampleRoute.Small;
                labels[i] = TensorPrimitives.IndexOfMax(hint);
            }
            else
            {
                routes[i] = SampleRoute.Large;
                large.Run(features.AsSpan(i * inputSize, inputSize), hint, 1, logits);
                labels[i] = TensorPrimitives.IndexOfMax(logits);
            }
        }

        return (labels, routes);
    }
}
