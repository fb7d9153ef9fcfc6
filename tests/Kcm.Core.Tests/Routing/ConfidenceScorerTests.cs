using Kcm.Core.Mlp;
using Kcm.Core.Models;
using Kcm.Core.Routing;

namespace Kcm.Core.Tests.Routing;

public sealed class ConfidenceScorerTests
{
    [Fact]
    public void MaxSoftmaxScorer_Batch_MatchesPerSamplePrediction()
    {
        var classifier = MlpClassifier.CreateRandom(new MlpNetwork(6, 4, 3), seed: 5);
        var inputs = Enumerable.Range(0, 6 * 300).Select(i => (float)Math.Cos(i * 0.37)).ToArray();
        var scores = new float[300];

        new MaxSoftmaxScorer(classifier).Score(inputs, 300, scores);

        for (var i = 0; i < 300; i++)
        {
            Assert.Equal(classifier.Predict(inputs.AsSpan(i * 6, 6)).Confidence, scores[i], 5);
            Assert.InRange(scores[i], 1f / 3f, 1f);
        }
    }

    [Fact]
    public void CorrectnessScorer_TwoClassJudge_GivesProbabilityOfRight()
    {
        var judge = MlpClassifier.CreateRandom(new MlpNetwork(6, 2), seed: 2);
        var inputs = Enumerable.Range(0, 6 * 4).Select(i => (float)Math.Sin(i)).ToArray();
        var scores = new float[4];

        new CorrectnessScorer(judge).Score(inputs, 4, scores);

        var probabilities = new float[8];
        judge.Probabilities(inputs, 4, probabilities);
        for (var i = 0; i < 4; i++)
        {
            Assert.Equal(probabilities[(i * 2) + 1], scores[i], 5);
        }

        Assert.Throws<ArgumentException>(() => new CorrectnessScorer(MlpClassifier.CreateRandom(new MlpNetwork(6, 3), 1)));
    }

    [Theory]
    [InlineData(ServingScore.JudgeAgreement)]
    [InlineData(ServingScore.Ensemble)]
    public void AgreementScorer_OverMoreRowsThanAChunk_ScoresEachRowAsTheSiloDoes(ServingScore score)
    {
        var small = MlpClassifier.CreateRandom(new MlpNetwork(6, 4, 3), seed: 3);
        var judge = MlpClassifier.CreateRandom(new MlpNetwork(6, 5, 3), seed: 4);
        const int Rows = 600;
        var inputs = Enumerable.Range(0, 6 * Rows).Select(i => (float)Math.Sin(i * 0.91)).ToArray();
        var scores = new float[Rows];

        new AgreementScorer(small, judge, score).Score(inputs, Rows, scores);

        var smallRows = new float[Rows * 3];
        var judgeRows = new float[Rows * 3];
        small.Probabilities(inputs, Rows, smallRows);
        judge.Probabilities(inputs, Rows, judgeRows);
        for (var i = 0; i < Rows; i++)
        {
            Assert.Equal(ServingScores.Of(score, judgeRows.AsSpan(i * 3, 3), smallRows.AsSpan(i * 3, 3)), scores[i]);
        }

        Assert.Throws<ArgumentOutOfRangeException>(() => new AgreementScorer(small, judge, ServingScore.JudgeMaxSoftmax));
    }

    [Fact]
    public void RandomScorer_ManySamples_IsUniformAndRepeatable()
    {
        var inputs = Enumerable.Range(0, 2 * 20_000).Select(i => (float)i).ToArray();
        var first = new float[20_000];
        var second = new float[20_000];
        var scorer = new RandomScorer(2, seed: 1);

        scorer.Score(inputs, 20_000, first);
        scorer.Score(inputs, 20_000, second);

        Assert.Equal(first, second);
        Assert.All(first, s => Assert.InRange(s, 0f, 1f));
        Assert.InRange(first.Count(s => s < 0.25f) / 20_000.0, 0.23, 0.27);
        Assert.InRange(first.Average(), 0.49, 0.51);
    }
}
