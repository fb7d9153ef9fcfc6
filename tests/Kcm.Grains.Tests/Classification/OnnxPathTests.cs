using System.Numerics.Tensors;
using Kcm.Abstractions.Classification;
using Kcm.Abstractions.Registry;
using Kcm.Core.Kan;
using Kcm.Core.Mlp;
using Kcm.Core.Models;
using Kcm.Core.Routing;
using Kcm.Core.Training;
using Kcm.Grains.Hosting;
using Kcm.Grains.Registry;
using Kcm.Grains.Serving;
using Kcm.Grains.Tests.Support;
using Kcm.Models;
using Kcm.Models.Graphs;
using Kcm.Models.Sources;
using Kcm.Models.Storage;
using Kcm.Onnx;
using Microsoft.Extensions.DependencyInjection;

namespace Kcm.Grains.Tests.Classification;

/// <summary>A serving cluster whose judge and small model run on the ONNX path (Kcm:Inference), against the C# path's answers.</summary>
public sealed class OnnxPathTests
{
    private const int Rows = 256;

    private static readonly Dictionary<string, string?> Onnx = new()
    {
        ["Kcm:Inference:Judge"] = "onnx",
        ["Kcm:Inference:SmallModel"] = "onnx",
    };

    [Fact]
    public async Task OnnxPath_AnswersAsTheCSharpPath_AndAfterAPublish_ServesTheNewWeightsOnTheSameSession()
    {
        await using var serving = await ServingCluster.StartAsync(new SharedGrainRecords(), Onnx);
        var judge = serving.Client.GetGrain<IJudgeGrain>(ServingCluster.Model);
        var registry = serving.Client.GetGrain<IModelRegistryGrain>(ServingCluster.Model);
        var holder = serving.Services(0).GetRequiredService<ServingSnapshotHolder>();
        var features = TestImages.Rows(1_000, Rows);

        var first = holder.Current!;
        var firstJudge = Assert.IsType<GraphClassifier>(first.Judge);
        var firstSmall = Assert.IsType<GraphClassifier>(first.Small);
        await AssertAnswersAsCSharpAsync(judge, first.Version, features);

        // New weights of the same architectures, published as a distillation round publishes them.
        var store = serving.Services(0).GetRequiredService<IModelStore>();
        var codec = new SafetensorsClassifierCodec();
        var training = new TrainingOptions { Epochs = 1, ValidationFraction = 0, Threads = 2, Seed = 11 };
        var data = Kcm.Core.Data.FashionMnist.LoadTrain().Slice(5_000, 600);
        var newJudge = new ClassifierTrainer(training).Train(KanClassifier.CreateRandom(KanNetwork.DefaultJudge, 11), data).Classifier;
        var newSmall = new ClassifierTrainer(training).Train(MlpClassifier.CreateRandom(MlpNetwork.DefaultSmallModel, 11), data).Classifier;
        Assert.Equal(firstJudge.Architecture, newJudge.Architecture);
        var judgeWeights = (await store.SaveAsync(ModelSeries.Judge(ServingCluster.Model), codec.Encode(newJudge), 0.5, default)).ToStoredWeights();
        var smallWeights = (await store.SaveAsync(ModelSeries.Small(ServingCluster.Model), codec.Encode(newSmall), 0.5, default)).ToStoredWeights();
        var published = await registry.PublishAsync(new ServingProposal(smallWeights, judgeWeights, 0.9, "onnx path test"));
        await serving.WaitUntilAsync(
            s => s.GetRequiredService<ServingSnapshotHolder>().Current?.Version.Version >= published.Version, TimeSpan.FromSeconds(30), "serving the published version");

        var second = holder.Current!;
        Assert.Equal(published, second.Version);
        var secondJudge = Assert.IsType<GraphClassifier>(second.Judge);
        var secondSmall = Assert.IsType<GraphClassifier>(second.Small);
        Assert.NotSame(firstJudge, secondJudge);
        Assert.True(secondJudge.SharesSessionWith(firstJudge), "The judge's new weights should be bound on the serving session, not a new one.");
        Assert.True(secondSmall.SharesSessionWith(firstSmall), "The small model's new weights should be bound on the serving session, not a new one.");
        await AssertAnswersAsCSharpAsync(judge, second.Version, features);
    }

    [Fact]
    public async Task GpuSilo_OnnxPathOnCuda_WithoutAGpu_FailsAtStartNamingTheProvider_AndNeverServesOnTheCpu()
    {
        var settings = new Dictionary<string, string?>(Onnx) { ["Kcm:Inference:ExecutionProvider"] = "Cuda" };
        await using var serving = await ServingCluster.StartAsync(new SharedGrainRecords(), settings, waitUntilReady: false);
        var gpu = serving.Services(0).GetRequiredService<ServingReadiness>();
        var cpu = serving.Services(1).GetRequiredService<ServingReadiness>();

        // Only gpu silos use the configured provider: the cpu silo runs the ONNX path on the CPU and serves.
        await serving.WaitUntilAsync(_ => gpu.Failure is not null && cpu.IsReady, TimeSpan.FromSeconds(60), "the gpu silo failed and the cpu silo ready");

        Assert.False(gpu.IsReady);
        var failure = Assert.IsType<OnnxProviderUnavailableException>(gpu.Failure);
        Assert.Equal(OnnxExecutionProvider.Cuda, failure.Provider);
        Assert.Contains("CUDA", failure.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(OnnxExecutionProvider.Cuda, serving.Services(0).GetRequiredService<ServingSnapshotHolder>().SessionOptions.ExecutionProvider);
        Assert.Equal(OnnxExecutionProvider.Cpu, serving.Services(1).GetRequiredService<ServingSnapshotHolder>().SessionOptions.ExecutionProvider);
        // No silent fallback: the gpu silo holds no judge or small model at all.
        Assert.Null(serving.Services(0).GetRequiredService<ServingSnapshotHolder>().Current);
        Assert.IsType<GraphClassifier>(serving.Services(1).GetRequiredService<ServingSnapshotHolder>().Current!.Judge);
    }

    /// <summary>The cluster's routes, confidences and small-route labels against the C# judge and small model of <paramref name="version"/> from the store.</summary>
    private static async Task AssertAnswersAsCSharpAsync(IJudgeGrain judge, ServingVersion version, float[] features)
    {
        var result = await judge.ClassifyAsync(new ClassifyBatch(features, Rows, ReturnProbabilities: true));
        Assert.Equal(ClassifyStatus.Completed, result.Status);
        Assert.Equal(version.Small.Version, result.SmallModelVersion);

        var store = new LocalDirectoryModelStore(TestModelStore.Root, 50);
        var codec = new SafetensorsClassifierCodec();
        var csharpJudge = codec.Decode(await store.LoadAsync(version.Judge.Series, version.Judge.Version, default));
        var csharpSmall = codec.Decode(await store.LoadAsync(version.Small.Series, version.Small.Version, default));
        Assert.IsNotType<GraphClassifier>(csharpJudge);
        var classes = csharpJudge.ClassCount;
        var judged = new float[Rows * classes];
        csharpJudge.Probabilities(features, Rows, judged);
        var small = new float[Rows * classes];
        csharpSmall.Probabilities(features, Rows, small);
        var policy = new ThresholdPolicy { Epsilon = (float)version.Threshold };
        for (var i = 0; i < Rows; i++)
        {
            var confidence = TensorPrimitives.Max(judged.AsSpan(i * classes, classes));
            Assert.Equal(confidence, result.Confidences[i], 1e-5f);
            var route = policy.Route(confidence) == RouteTarget.Small ? SampleRoute.Small : SampleRoute.Large;
            Assert.Equal(route, result.Routes[i]);
            if (route == SampleRoute.Small)
            {
                Assert.Equal(TensorPrimitives.IndexOfMax(small.AsSpan(i * classes, classes)), result.Labels[i]);
                for (var c = 0; c < classes; c++)
                {
                    Assert.Equal(small[(i * classes) + c], result.Probabilities[(i * classes) + c], 1e-5f);
                }
            }
        }
    }
}
