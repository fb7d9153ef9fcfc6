using Kcm.Core.Numerics;

namespace Kcm.Core.Tests.Numerics;

public class LossFunctionsTests
{
    [Fact]
    public void Softmax_HugeLogits_StaysFiniteAndSumsToOne()
    {
        float[] logits = [1000f, 999f, -1000f, 0f];
        var probabilities = new float[4];

        Softmax.Apply(logits, probabilities);

        Assert.All(probabilities, p => Assert.True(float.IsFinite(p)));
        Assert.Equal(1.0, probabilities.Sum(), 5);
        Assert.Equal(1.0 / (1.0 + Math.Exp(-1.0)), probabilities[0], 5);
    }

    [Fact]
    public void ApplyLog_RandomLogits_EqualsLogOfSoftmaxAtTemperature()
    {
        var logits = FiniteDifference.Random(10, 11, -5f, 5f);
        var probabilities = new float[10];
        var logProbabilities = new float[10];

        Softmax.Apply(logits, probabilities, 2f);
        Softmax.ApplyLog(logits, logProbabilities, 2f);

        for (var i = 0; i < 10; i++)
        {
            Assert.Equal(Math.Log(probabilities[i]), logProbabilities[i], 4);
        }
    }

    [Fact]
    public void MaxProbability_RandomLogits_MatchesSoftmaxMaximum()
    {
        var logits = FiniteDifference.Random(10, 12, -3f, 3f);
        var probabilities = new float[10];
        Softmax.Apply(logits, probabilities);

        var (predicted, confidence) = Softmax.MaxProbability(logits);

        Assert.Equal(Array.IndexOf(probabilities, probabilities.Max()), predicted);
        Assert.Equal(probabilities.Max(), confidence, 5);
    }

    [Fact]
    public void CrossEntropy_Gradient_MatchesFiniteDifferences()
    {
        var logits = FiniteDifference.Random(10, 13, -3f, 3f);
        var gradient = new float[10];
        var scratch = new float[10];

        var loss = LossFunctions.CrossEntropy(logits, 4, gradient);

        Softmax.Apply(logits, scratch);
        Assert.Equal(-Math.Log(scratch[4]), loss, 4);
        FiniteDifference.AssertGradient(logits, z => LossFunctions.CrossEntropy(z, 4, scratch), gradient, step: 1e-3f);
    }

    [Theory]
    [InlineData(1f)]
    [InlineData(2f)]
    public void KlDivergence_Gradient_MatchesFiniteDifferences(float temperature)
    {
        var logits = FiniteDifference.Random(10, 14, -3f, 3f);
        var target = new float[10];
        Softmax.Apply(FiniteDifference.Random(10, 15, -2f, 2f), target);
        var gradient = new float[10];
        var scratch = new float[10];

        var loss = LossFunctions.KlDivergence(target, logits, temperature, gradient);

        Assert.True(loss > 0f);
        FiniteDifference.AssertGradient(
            logits, z => LossFunctions.KlDivergence(target, z, temperature, scratch), gradient, step: 1e-3f);
    }

    [Fact]
    public void KlDivergence_StudentEqualsTarget_IsZeroWithZeroGradient()
    {
        var logits = FiniteDifference.Random(10, 16, -3f, 3f);
        var target = new float[10];
        Softmax.Apply(logits, target, 2f);
        var gradient = new float[10];

        var loss = LossFunctions.KlDivergence(target, logits, 2f, gradient);

        Assert.Equal(0.0, loss, 5);
        Assert.All(gradient, g => Assert.Equal(0.0, g, 5));
    }

    [Fact]
    public void ApplyTemperature_ProbabilitiesOfLogits_EqualsSoftmaxOfLogitsAtTemperature()
    {
        var logits = FiniteDifference.Random(10, 17, -3f, 3f);
        var probabilities = new float[10];
        var expected = new float[10];
        var softened = new float[10];
        Softmax.Apply(logits, probabilities);
        Softmax.Apply(logits, expected, 3f);

        LossFunctions.ApplyTemperature(probabilities, 3f, softened);

        for (var i = 0; i < 10; i++)
        {
            Assert.Equal(expected[i], softened[i], 5);
        }
    }
}
