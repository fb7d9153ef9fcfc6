using Kcm.Core.Data;

namespace Kcm.Core.Tests.Data;

public sealed class FeatureScalingTests
{
    [Fact]
    public void Fit_FeaturesInTheUnitRange_IsTheIdentity()
    {
        var data = new Dataset([0f, 1f, 0.5f, 0.25f], [0, 1], 2, 2);

        var scaling = FeatureScaling.Fit(data);

        Assert.True(scaling.IsIdentity);
        Assert.Same(data, scaling.Apply(data));
    }

    [Fact]
    public void Apply_MapsTheSeedRangeToTheUnitRange_ClampsUnseenValues_AndZeroesConstantFeatures()
    {
        var seed = new Dataset([0f, 7f, 10f, 7f, 5f, 7f], [0, 1, 0], 2, 2);
        var scaling = FeatureScaling.Fit(seed);
        var output = new float[8];

        scaling.Apply([5f, 7f, 20f, 3f, -5f, 7f, float.NaN, 9f], output);

        Assert.False(scaling.IsIdentity);
        Assert.Equal(1, scaling.ConstantFeatures);
        Assert.Equal([0.5f, 0f, 1f, 0f, 0f, 0f, 0f, 0f], output);
    }

    [Fact]
    public void Fit_NonFiniteValue_NamesItsRowAndColumn()
    {
        var error = Assert.Throws<ArgumentException>(() => FeatureScaling.Fit(new Dataset([1f, 2f, 3f, float.PositiveInfinity], [0, 1], 2, 2)));

        Assert.Contains("row 2, feature column 2", error.Message, StringComparison.Ordinal);
    }
}
