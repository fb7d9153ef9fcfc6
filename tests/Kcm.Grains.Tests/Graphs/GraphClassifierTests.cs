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

/// <summary>The ONNX graphs of the small model and judge architectures against the C# forward pass on real data, before and after new weights are bound.</summary>
public sealed class GraphClassifierTests(ITestOutputHelper output)
{
    private const float Tolerance = 1e-5f;

    public static TheoryData<string> Architectures =>
    [
        MlpNetwork.DefaultSmallModel.Architecture,
        KanNetwork.DefaultJudge.Architecture,
        new KanArchitecture { InputSize = 794, ExtraInputs = 10, ClassCount = 2 }.ToString(),
    ];

    [Theory]
    [MemberData(nameof(Architectures))]
    public void Logits_TrainedOnFashionMnist_MatchCSharpBeforeAndAfterABind(string architecture)
    {
        var train = FashionMnist.LoadTrain().Slice(0, 2_000);
        var test = FashionMnist.LoadTest().Slice(0, 500);
        var first = Train(architecture, train.Slice(0, 1_000), 1);
        var second = Train(architecture, train.Slice(1_000, 1_000), 2);
        // The weights go through safetensors, as serving receives them.
        var stored = ClassifierWeights.Decode(ClassifierWeights.Encode(first, "v1", DateTimeOffset.UnixEpoch)).Classifier;

        using var graph = new GraphClassifier(stored);
        var before = Compare(graph, stored, test);
        graph.Bind(second);
        var after = Compare(graph, second, test);

        output.WriteLine($"{architecture}: max |ONNX - C#| {before} before, {after} after the bind");
        Assert.InRange(before, 0f, Tolerance);
        Assert.InRange(after, 0f, Tolerance);
        Assert.Throws<ArgumentException>(() => graph.Bind(MlpClassifier.CreateRandom(new MlpNetwork(784, 8, 10), 1)));
    }

    private static IExportableClassifier Train(string architecture, Dataset data, int seed)
    {
        var trainer = new ClassifierTrainer(new TrainingOptions { Epochs = 2, ValidationFraction = 0, Threads = 2, Seed = seed });
        if (architecture.StartsWith("mlp", StringComparison.Ordinal))
        {
            return trainer.Train(MlpClassifier.CreateRandom(MlpNetwork.Parse(architecture), seed), data).Classifier;
        }

        var shape = KanArchitecture.Parse(architecture);
        var network = new KanNetwork(shape);
        if (shape.ExtraInputs == 0)
        {
            return trainer.Train(KanClassifier.CreateRandom(network, seed), data).Classifier;
        }

        // The logit judge's shape: pixels plus the small model's probabilities, two classes.
        var small = trainer.Train(MlpClassifier.CreateRandom(new MlpNetwork(784, 16, 10), seed), data).Classifier;
        var probabilities = new float[data.Count * 10];
        small.Probabilities(data.Features, data.Count, probabilities);
        var augmented = SmallProbabilityJudge.Augment(data, probabilities, 10);
        var right = new Dataset(augmented.Features, data.Labels.Select(l => l % 2).ToArray(), augmented.FeatureCount, 2);
        return trainer.Train(KanClassifier.CreateRandom(network, seed), right).Classifier;
    }

    private static float Compare(GraphClassifier graph, IExportableClassifier classifier, Dataset test)
    {
        var features = new float[test.Count * classifier.InputSize];
        for (var r = 0; r < test.Count; r++)
        {
            test.Row(r).CopyTo(features.AsSpan(r * classifier.InputSize));
            for (var e = test.FeatureCount; e < classifier.InputSize; e++)
            {
                features[(r * classifier.InputSize) + e] = 1f / (classifier.InputSize - test.FeatureCount);
            }
        }

        var expected = new float[test.Count * classifier.ClassCount];
        var actual = new float[expected.Length];
        classifier.Logits(features, test.Count, expected);
        graph.Logits(features, test.Count, actual);
        return expected.Zip(actual, (a, b) => MathF.Abs(a - b)).Max();
    }
}
