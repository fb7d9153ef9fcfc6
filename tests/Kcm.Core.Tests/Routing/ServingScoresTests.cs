using Kcm.Core.Routing;
using Xunit;

namespace Kcm.Core.Tests.Routing;

public sealed class ServingScoresTests
{
    // The judge favours class 0; the small model answers class 2.
    private static readonly float[] Judge = [0.6f, 0.1f, 0.3f];
    private static readonly float[] Small = [0.2f, 0.1f, 0.7f];

    [Theory]
    [InlineData(ServingScore.JudgeMaxSoftmax, 0.6f)]
    [InlineData(ServingScore.JudgeAgreement, 0.3f)]
    [InlineData(ServingScore.Ensemble, 0.5f)]
    public void EachScore_IsItsFormula(ServingScore score, float expected) =>
        Assert.Equal(expected, ServingScores.Of(score, Judge, Small), 6);

    [Fact]
    public void WhereJudgeAndSmallModelAgree_TheAgreementIsTheJudgesMaxSoftmax()
    {
        float[] small = [0.9f, 0.05f, 0.05f];
        Assert.Equal(ServingScores.Of(ServingScore.JudgeMaxSoftmax, Judge, small), ServingScores.Of(ServingScore.JudgeAgreement, Judge, small));
    }

    [Fact]
    public void ANonFiniteJudgeRow_GivesANonFiniteScore_SoTheRowGoesToTheLargeModel()
    {
        float[] judge = [float.NaN, 0.5f, 0.5f];
        Assert.False(float.IsFinite(ServingScores.Of(ServingScore.JudgeMaxSoftmax, judge, Small)));
        Assert.False(float.IsFinite(ServingScores.Of(ServingScore.Ensemble, [0.2f, 0.1f, float.NaN], Small)));
    }

    [Fact]
    public void AnUnknownScore_IsRefused() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => ServingScores.Of((ServingScore)9, Judge, Small));
}
