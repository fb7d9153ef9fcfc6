using System.Numerics.Tensors;
using Kcm.DeePEn.Fusion;

namespace Kcm.DeePEn.Tests;

public sealed class DeePEnFusionTests
{
    // Two models with different vocabularies (30 and 25 tokens) sharing 10 anchor tokens.
    private static readonly int[] MainAnchors = [0, 3, 6, 9, 12, 15, 18, 21, 24, 27];
    private static readonly int[] OtherAnchors = [1, 2, 4, 7, 9, 11, 14, 16, 20, 24];

    private static RelativeRepresentation Main { get; } = RelativeRepresentation.Build(RelativeRepresentationTests.RandomEmbeddings(30, 12, seed: 10), MainAnchors);

    private static RelativeRepresentation Other { get; } = RelativeRepresentation.Build(RelativeRepresentationTests.RandomEmbeddings(25, 12, seed: 11), OtherAnchors);

    private static float[] RandomLogits(int count, int seed, float spread = 3f)
    {
        var random = new Random(seed);
        var logits = new float[count];
        for (var i = 0; i < count; i++)
        {
            logits[i] = (float)(((random.NextDouble() * 2) - 1) * spread);
        }

        return logits;
    }

    private static float[] Softmax(float[] logits)
    {
        var p = new float[logits.Length];
        TensorPrimitives.SoftMax(logits, p);
        return p;
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void LossAndGradient_HandWrittenGradient_MatchesCentralFiniteDifferences(int seed)
    {
        var target = new float[Main.AnchorCount];
        Other.Project(Softmax(RandomLogits(Other.VocabularySize, seed + 100)), target);
        var logits = RandomLogits(Main.VocabularySize, seed);
        var gradient = new float[Main.VocabularySize];
        var probabilities = new float[Main.VocabularySize];
        var relative = new float[Main.AnchorCount];

        var loss = RelativeKl.LossAndGradient(Main, target, logits, gradient, probabilities, relative);

        Assert.True(loss > 1e-3, $"the example should be far from the optimum (KL {loss})");
        const float Step = 1e-2f;
        var largest = gradient.Max(MathF.Abs);
        Assert.True(largest > 1e-3, "the gradient should not vanish here");
        for (var v = 0; v < logits.Length; v++)
        {
            var original = logits[v];
            logits[v] = original + Step;
            var plus = RelativeKl.Loss(Main, target, logits, probabilities, relative);
            logits[v] = original - Step;
            var minus = RelativeKl.Loss(Main, target, logits, probabilities, relative);
            logits[v] = original;
            var numeric = (plus - minus) / (2 * Step);
            Assert.True(Math.Abs(numeric - gradient[v]) <= 2e-4 + (0.02 * largest), $"token {v}: analytic {gradient[v]}, numeric {numeric}");
        }
    }

    [Fact]
    public void Search_IdenticalModelsWithAverageWeights_FusedTargetAndChoiceEqualTheSingleModels()
    {
        var fusion = new DeePEnFusion([Main, Main, Main], FusionWeights.Average(3), mainModel: 0);
        var single = new float[Main.AnchorCount];
        for (var seed = 0; seed < 50; seed++)
        {
            var logits = RandomLogits(Main.VocabularySize, seed, spread: 2f);
            fusion.Reset();
            for (var model = 0; model < 3; model++)
            {
                fusion.AddLogits(model, logits);
            }

            Main.Project(Softmax(logits), single);
            for (var a = 0; a < single.Length; a++)
            {
                Assert.Equal(single[a], fusion.Target[a], 1e-6f);
            }

            Assert.Equal(TensorPrimitives.IndexOfMax(logits), fusion.Search(logits));
            Assert.True(fusion.Losses[0] < 1e-6, $"seed {seed}: KL to itself is {fusion.Losses[0]}");
        }
    }

    [Theory]
    [InlineData(21)]
    [InlineData(22)]
    [InlineData(23)]
    [InlineData(24)]
    public void Search_DifferentModels_LowersTheKlAtEveryStep(int seed)
    {
        var fusion = new DeePEnFusion([Main, Other], FusionWeights.Average(2), mainModel: 0);
        var mainLogits = RandomLogits(Main.VocabularySize, seed);
        fusion.Reset();
        fusion.AddLogits(0, mainLogits);
        fusion.AddLogits(1, RandomLogits(Other.VocabularySize, seed + 1000));

        fusion.Search(mainLogits);

        var losses = fusion.Losses.ToArray();
        Assert.Equal(InverseSearchOptions.Default.Steps + 1, losses.Length);
        Assert.True(losses[0] > 1e-4, $"the example should start away from the target (KL {losses[0]})");
        for (var t = 1; t < losses.Length; t++)
        {
            Assert.True(losses[t] < losses[t - 1], $"step {t}: KL {losses[t]} did not fall below {losses[t - 1]} ({string.Join(", ", losses)})");
        }
    }

    [Fact]
    public void Search_OneStep_IsAnAdamWStepOfSizeLearningRateAgainstTheGradientSign()
    {
        var options = new InverseSearchOptions { Steps = 1, StopBelowLoss = 0 };
        var fusion = new DeePEnFusion([Main, Other], FusionWeights.Adaptive([0.7, 0.3]), mainModel: 0, options);
        var mainLogits = RandomLogits(Main.VocabularySize, 5);
        fusion.Reset();
        fusion.AddLogits(0, mainLogits);
        fusion.AddLogits(1, RandomLogits(Other.VocabularySize, 6));
        var gradient = new float[Main.VocabularySize];
        RelativeKl.LossAndGradient(Main, fusion.Target, mainLogits, gradient, new float[Main.VocabularySize], new float[Main.AnchorCount]);

        fusion.Search(mainLogits);

        // First AdamW step: m^ = g, v^ = g^2, so z1 = z0 (1 - lr wd) - lr g / (|g| + eps).
        for (var v = 0; v < mainLogits.Length; v++)
        {
            var expected = (mainLogits[v] * (1 - (0.15f * 0.01f))) - (0.15f * gradient[v] / (MathF.Abs(gradient[v]) + 1e-8f));
            Assert.Equal(expected, fusion.UpdatedLogits[v], 1e-5f);
        }
    }

    [Fact]
    public void Step_AfterWarmUp_AllocatesNothing()
    {
        var fusion = new DeePEnFusion([Main, Other], FusionWeights.Average(2), mainModel: 0);
        var mainLogits = RandomLogits(Main.VocabularySize, 7);
        var otherLogits = RandomLogits(Other.VocabularySize, 8);
        var otherProbabilities = Softmax(otherLogits);
        RunStep();

        var before = GC.GetAllocatedBytesForCurrentThread();
        var token = RunStep();
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
        Assert.InRange(token, 0, Main.VocabularySize - 1);

        int RunStep()
        {
            fusion.Reset();
            fusion.AddLogits(0, mainLogits);
            fusion.AddDistribution(1, otherProbabilities);
            return fusion.Search(mainLogits);
        }
    }

    [Fact]
    public void Weights_AverageAndAdaptive_AreNormalisedAndBadScoresRejected()
    {
        Assert.Equal([0.25f, 0.25f, 0.25f, 0.25f], FusionWeights.Average(4));
        Assert.Equal([0.5f, 0.25f, 0.25f], FusionWeights.Adaptive([2.0, 1.0, 1.0]));
        Assert.Throws<ArgumentException>(() => FusionWeights.Adaptive([0.0, 0.0]));
        Assert.Throws<ArgumentException>(() => FusionWeights.Adaptive([1.0, -0.5]));
        Assert.Throws<ArgumentOutOfRangeException>(() => FusionWeights.Average(0));
    }

    [Fact]
    public void Construct_BadArguments_ThrowWithEveryProblemNamed()
    {
        Assert.Throws<ArgumentException>(() => new DeePEnFusion([Main, Other], [1f], 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new DeePEnFusion([Main, Other], [0.5f, 0.5f], 2));
        var error = Assert.Throws<ArgumentException>(() => new DeePEnFusion([Main], [1f], 0, new InverseSearchOptions { Steps = -1, LearningRate = 0 }));
        Assert.Contains("Steps", error.Message, StringComparison.Ordinal);
        Assert.Contains("LearningRate", error.Message, StringComparison.Ordinal);
        var fusion = new DeePEnFusion([Main], [1f], 0);
        Assert.Throws<ArgumentException>(() => fusion.Search(new float[Main.VocabularySize + 1]));
    }
}
