using System.Numerics.Tensors;
using Kcm.Core.Data;
using Kcm.Core.Kan;
using Kcm.Core.Mlp;
using Kcm.Core.Models;
using Kcm.Core.Routing;
using Kcm.Core.Training;
using Kcm.Core.Weights;
using Kcm.Models.Graphs;
using Xunit.Abstractions;

namespace Kcm.Grains.Tests.Graphs;

/// <summary>
/// The judge's and small model's ONNX path against the C# path on all 10,000 Fashion-MNIST test images: the same
/// route for every row at several thresholds, and the same small-model label.
/// </summary>
public sealed class GraphRoutesTests(ITestOutputHelper output)
{
    /// <summary>
    /// A row whose C# confidence is this close to the threshold (or whose two best small-model probabilities are this
    /// close) is a float tie: the paths' last-bit differences (measured below 1e-5 on logits) may send it either way.
    /// </summary>
    private const float Tie = 1e-5f;

    [Fact]
    public void JudgeAndSmallModel_OnnxAndCSharp_GiveTheSameRoutesAndLabels_OnTheWholeTestSet()
    {
        var train = FashionMnist.LoadTrain().Slice(0, 2_000);
        var test = FashionMnist.LoadTest();
        var options = new TrainingOptions { Epochs = 1, ValidationFraction = 0, Threads = 1, Seed = 3 };
        // Through safetensors, as serving receives them.
        var judge = RoundTrip(new ClassifierTrainer(options).Train(KanClassifier.CreateRandom(KanNetwork.DefaultJudge, 3), train).Classifier);
        var small = RoundTrip(new ClassifierTrainer(options).Train(MlpClassifier.CreateRandom(MlpNetwork.DefaultSmallModel, 3), train).Classifier);
        using var judgeGraph = new GraphClassifier(judge);
        using var smallGraph = new GraphClassifier(small);

        var csharpJudge = Probabilities(judge, test);
        var onnxJudge = Probabilities(judgeGraph, test);
        var csharpConfidence = Confidences(csharpJudge, test.Count, judge.ClassCount);
        var onnxConfidence = Confidences(onnxJudge, test.Count, judge.ClassCount);
        output.WriteLine($"judge confidence: median {csharpConfidence.Order().ElementAt(test.Count / 2):F4}, max |ONNX - C#| {MaxDifference(csharpConfidence, onnxConfidence):E2}");

        foreach (var epsilon in new[] { 0.5f, 0.7f, 0.9f, 0.98f })
        {
            var policy = new ThresholdPolicy { Epsilon = epsilon };
            var csharpRoutes = new RouteTarget[test.Count];
            var onnxRoutes = new RouteTarget[test.Count];
            var csharpLarge = policy.Route(csharpConfidence, csharpRoutes);
            policy.Route(onnxConfidence, onnxRoutes);
            var disagreements = Enumerable.Range(0, test.Count).Where(i => csharpRoutes[i] != onnxRoutes[i]).ToList();
            var nearest = csharpConfidence.Min(c => MathF.Abs(c - epsilon));
            output.WriteLine($"epsilon {epsilon}: {csharpLarge} of {test.Count} rows to the large model; {disagreements.Count} route disagreements; nearest confidence {nearest:E2} from epsilon");
            Assert.All(disagreements, i => Assert.True(MathF.Abs(csharpConfidence[i] - epsilon) < Tie, $"Row {i} routed differently at {epsilon} with confidence {csharpConfidence[i]} (ONNX {onnxConfidence[i]})."));
            Assert.Empty(disagreements);
        }

        var csharpSmall = Probabilities(small, test);
        var onnxSmall = Probabilities(smallGraph, test);
        var labelDisagreements = 0;
        for (var i = 0; i < test.Count; i++)
        {
            var expected = csharpSmall.AsSpan(i * small.ClassCount, small.ClassCount);
            var actual = onnxSmall.AsSpan(i * small.ClassCount, small.ClassCount);
            if (TensorPrimitives.IndexOfMax(expected) != TensorPrimitives.IndexOfMax(actual))
            {
                labelDisagreements++;
                var top = expected.ToArray().OrderDescending().Take(2).ToArray();
                Assert.True(top[0] - top[1] < Tie, $"Row {i}: the small model's label differs with probabilities {top[0]} and {top[1]} apart.");
            }
        }

        output.WriteLine($"small model: {labelDisagreements} label disagreements of {test.Count}; max |ONNX - C#| probability {MaxDifference(csharpSmall, onnxSmall):E2}");
        Assert.Equal(0, labelDisagreements);
    }

    private static IExportableClassifier RoundTrip(IExportableClassifier classifier) =>
        ClassifierWeights.Decode(ClassifierWeights.Encode(classifier, "v1", DateTimeOffset.UnixEpoch)).Classifier;

    private static float[] Probabilities(IClassifier classifier, Dataset data)
    {
        var probabilities = new float[data.Count * classifier.ClassCount];
        for (var start = 0; start < data.Count; start += 256)
        {
            var rows = Math.Min(256, data.Count - start);
            classifier.Probabilities(
                data.Features.AsSpan(start * data.FeatureCount, rows * data.FeatureCount), rows, probabilities.AsSpan(start * classifier.ClassCount, rows * classifier.ClassCount));
        }

        return probabilities;
    }

    private static float[] Confidences(float[] probabilities, int rows, int classes) =>
        [.. Enumerable.Range(0, rows).Select(i => TensorPrimitives.Max(probabilities.AsSpan(i * classes, classes)))];

    private static float MaxDifference(float[] a, float[] b) => a.Zip(b, (x, y) => MathF.Abs(x - y)).Max();
}
