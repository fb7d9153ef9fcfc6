using Kcm.Core.Kan;
using Kcm.Core.Mlp;
using Kcm.Core.Models;
using Kcm.Core.Numerics;
using Kcm.Core.Tests.Numerics;

namespace Kcm.Core.Tests.Mlp;

public class MlpNetworkTests
{
    [Fact]
    public void Backward_TwoHiddenLayers_MatchesFiniteDifferences()
    {
        var network = new MlpNetwork(7, 6, 5, 3);
        const int Batch = 4;
        var parameters = new float[network.ParameterCount];
        network.Initialize(parameters, new Random(2));
        for (var i = 0; i < parameters.Length; i++)
        {
            parameters[i] += 0.05f; // non-zero biases
        }

        var inputs = FiniteDifference.Random(Batch * 7, 3);
        int[] labels = [2, 0, 1, 1];
        double Loss(float[] p)
        {
            var logits = new float[Batch * 3];
            network.Forward(p, inputs, Batch, new float[network.ActivationSize(Batch)], logits);
            var scratch = new float[3];
            return Enumerable.Range(0, Batch).Sum(b => (double)LossFunctions.CrossEntropy(logits.AsSpan(b * 3, 3), labels[b], scratch));
        }

        var activations = new float[network.ActivationSize(Batch)];
        var logits = new float[Batch * 3];
        network.Forward(parameters, inputs, Batch, activations, logits);
        var dLogits = new float[Batch * 3];
        for (var b = 0; b < Batch; b++)
        {
            LossFunctions.CrossEntropy(logits.AsSpan(b * 3, 3), labels[b], dLogits.AsSpan(b * 3, 3));
        }

        var gradient = new float[network.ParameterCount];
        network.Backward(parameters, inputs, Batch, activations, dLogits, gradient, new float[network.BackwardScratchSize(Batch)]);

        // A small step, so few ReLU units change sign inside the difference.
        FiniteDifference.AssertGradient(parameters, Loss, gradient, step: 1e-3f);
    }

    [Fact]
    public void HiddenWidthForParameterCount_KanJudge_GivesBaselineWithinTenPercent()
    {
        var kanParameters = KanNetwork.DefaultJudge.ParameterCount;

        var baseline = MlpNetwork.MatchingParameterCount(KanNetwork.DefaultJudge);

        Assert.InRange(baseline.ParameterCount, kanParameters * 0.9, kanParameters * 1.1);
        Assert.Equal([784, MlpNetwork.HiddenWidthForParameterCount(784, 10, kanParameters), 10], baseline.Widths);
        Assert.Equal(MlpNetwork.ParameterCountFor(784, baseline.Widths[1], 10), baseline.ParameterCount);
    }

    [Fact]
    public void Restore_ExportedTensors_GivesIdenticalLogits()
    {
        var classifier = MlpClassifier.CreateRandom(new MlpNetwork(12, 8, 4), seed: 3);
        var inputs = FiniteDifference.Random(2 * 12, 4);
        var expected = new float[8];
        var actual = new float[8];
        classifier.Logits(inputs, 2, expected);

        var restored = ClassifierTensors.Restore(classifier.Architecture, classifier.ExportTensors());
        restored.Logits(inputs, 2, actual);

        Assert.Equal("mlp:12-8-4", restored.Architecture);
        Assert.Equal(expected, actual);
        Assert.Equal([8, 12], classifier.ExportTensors()["layers.0.weight"].Shape);
    }

    [Fact]
    public void Logits_ManyThreadsAtOnce_EachGetsTheSingleThreadedResult()
    {
        var classifier = MlpClassifier.CreateRandom(MlpNetwork.DefaultSmallModel, seed: 6);
        var inputs = FiniteDifference.Random(40 * 784, 7, 0f, 1f);
        var expected = new float[40 * 10];
        classifier.Logits(inputs, 40, expected);

        var mismatches = 0;
        Parallel.For(0, 200, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i =>
        {
            var batch = 1 + (i % 40);
            var logits = new float[batch * 10];
            classifier.Logits(inputs.AsSpan(0, batch * 784), batch, logits);
            if (!logits.AsSpan().SequenceEqual(expected.AsSpan(0, batch * 10)))
            {
                Interlocked.Increment(ref mismatches);
            }
        });

        Assert.Equal(0, mismatches);
    }

    [Fact]
    public void ImportTensors_WrongShape_ThrowsNamingTheTensor()
    {
        var network = new MlpNetwork(12, 8, 4);
        var tensors = new Dictionary<string, (int[] Shape, float[] Data)>(network.ExportTensors(new float[network.ParameterCount]))
        {
            ["layers.1.weight"] = ([8, 4], new float[32]),
        };

        var error = Assert.Throws<ArgumentException>(() => network.ImportTensors(tensors));

        Assert.Contains("layers.1.weight", error.Message);
    }
}
