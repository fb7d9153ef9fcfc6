using Kcm.Core.Kan;
using Kcm.Core.Models;
using Kcm.Core.Numerics;
using Kcm.Core.Tests.Numerics;

namespace Kcm.Core.Tests.Kan;

public class KanNetworkTests
{
    // A small image network: 6x4 image pooled 2x2 to 6 features, 4 hidden, 3 classes.
    private static readonly KanArchitecture Small = new()
    {
        InputSize = 24, ImageWidth = 6, PoolSize = 2, HiddenSize = 4, ClassCount = 3, GridSize = 4, SplineOrder = 3,
        InputMin = 0f, InputMax = 1f, HiddenMin = -2f, HiddenMax = 2f,
    };

    [Fact]
    public void Backward_CrossEntropy_MatchesFiniteDifferences()
    {
        var network = new KanNetwork(Small);
        const int Batch = 4;
        var parameters = new float[network.ParameterCount];
        network.Initialize(parameters, new Random(1));
        for (var i = 0; i < parameters.Length; i++)
        {
            parameters[i] *= 3f;
        }

        var inputs = FiniteDifference.Random(Batch * network.InputSize, 2, 0.02f, 0.98f);
        int[] labels = [0, 2, 1, 2];
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

        FiniteDifference.AssertGradient(parameters, Loss, gradient, maxChecks: 400, step: 5e-3f);
    }

    [Fact]
    public void DefaultJudge_Sizes_Are196InputsThirtyTwoHiddenAndDocumentedParameterCount()
    {
        var judge = KanNetwork.DefaultJudge;

        Assert.Equal(784, judge.InputSize);
        Assert.Equal(196, judge.Shape.ReducedInputSize);
        Assert.Equal((196 * 32 * 9) + (32 * 10 * 9), judge.ParameterCount);
        Assert.Equal("kan:784-32-10;image=28;pool=2;grid=5;order=3;range=0..1,-1..1", judge.Architecture);
    }

    [Fact]
    public void Parse_ArchitectureText_RoundTrips()
    {
        var text = Small.ToString();

        Assert.Equal(Small, KanArchitecture.Parse(text));
        Assert.Throws<FormatException>(() => KanArchitecture.Parse("kan:24-4;pool=2"));
    }

    [Fact]
    public void Validate_SeveralBadFields_NamesEachOfThem()
    {
        var bad = new KanArchitecture { HiddenSize = 0, GridSize = 0, PoolSize = 5, HiddenMin = 1f, HiddenMax = 1f };

        var error = Assert.Throws<ArgumentException>(bad.Validate);

        Assert.Contains(nameof(KanArchitecture.HiddenSize), error.Message);
        Assert.Contains(nameof(KanArchitecture.GridSize), error.Message);
        Assert.Contains(nameof(KanArchitecture.PoolSize), error.Message);
        Assert.Contains(nameof(KanArchitecture.HiddenMin), error.Message);
    }

    [Fact]
    public void Restore_ExportedTensors_GivesIdenticalLogits()
    {
        var classifier = KanClassifier.CreateRandom(new KanNetwork(Small), seed: 5);
        var inputs = FiniteDifference.Random(3 * Small.InputSize, 6, 0f, 1f);
        var expected = new float[9];
        var actual = new float[9];
        classifier.Logits(inputs, 3, expected);

        var restored = ClassifierTensors.Restore(classifier.Architecture, classifier.ExportTensors());
        restored.Logits(inputs, 3, actual);

        Assert.IsType<KanClassifier>(restored);
        Assert.Equal(expected, actual);
        Assert.Equal([4, 6, 7], classifier.ExportTensors()["layers.0.spline_weight"].Shape);
    }

    [Fact]
    public void Logits_BatchOfRows_EqualsRowByRowAndOutOfRangeInputsStayFinite()
    {
        var classifier = KanClassifier.CreateRandom(new KanNetwork(Small), seed: 8);
        var inputs = FiniteDifference.Random(300 * Small.InputSize, 9, -3f, 4f);
        var batched = new float[300 * 3];
        classifier.Logits(inputs, 300, batched);

        var single = new float[3];
        for (var r = 0; r < 300; r++)
        {
            classifier.Logits(inputs.AsSpan(r * Small.InputSize, Small.InputSize), 1, single);
            Assert.Equal(single, batched.AsSpan(r * 3, 3).ToArray());
        }

        Assert.All(batched, v => Assert.True(float.IsFinite(v)));
    }
}
