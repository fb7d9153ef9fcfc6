using Kcm.Core.Routing;

namespace Kcm.Core.Tests.Routing;

public sealed class ThresholdPolicyTests
{
    [Fact]
    public void Route_DefaultEpsilon_KeepsOnlyConfidenceAtLeast098OnTheSmallModel()
    {
        var policy = new ThresholdPolicy();

        Assert.Equal(0.98f, policy.Epsilon);
        Assert.Equal(RouteTarget.Small, policy.Route(0.98f));
        Assert.Equal(RouteTarget.Small, policy.Route(1f));
        Assert.Equal(RouteTarget.Large, policy.Route(0.979f));
        Assert.Equal(0.5, policy.LargeShare([0.5f, 0.99f, 0.97f, 1f]));
    }

    [Fact]
    public void Validate_EpsilonOutsideUnitRange_Throws()
    {
        Assert.Throws<ArgumentException>(() => new ThresholdPolicy { Epsilon = 1.5f }.Validate());
        Assert.Throws<ArgumentException>(() => new ThresholdPolicy { Epsilon = float.NaN }.Validate());
    }

    [Fact]
    public void RouterOptions_Defaults_SelectTheKanJudge()
    {
        var options = new RouterOptions();

        options.Validate();

        Assert.Equal(RouterKind.KanJudge, options.Kind);
        Assert.Equal(0.98f, options.Policy.Epsilon);
    }

    [Theory]
    [InlineData("mlp-judge", RouterKind.MlpJudge)]
    [InlineData("Small-Softmax", RouterKind.SmallSoftmax)]
    [InlineData("small-correctness", RouterKind.SmallCorrectness)]
    [InlineData("random", RouterKind.Random)]
    public void RouterOptions_RouterName_SelectsThatRouter(string name, RouterKind expected)
    {
        var options = new RouterOptions { Router = name };

        options.Validate();

        Assert.Equal(expected, options.Kind);
    }

    [Fact]
    public void RouterOptions_Invalid_NamesEveryBadField()
    {
        var error = Assert.Throws<ArgumentException>(() => new RouterOptions { Router = "oracle", Epsilon = -1f, TargetLargeShare = 3 }.Validate());

        Assert.Contains("Router 'oracle'", error.Message);
        Assert.Contains("Epsilon", error.Message);
        Assert.Contains("TargetLargeShare", error.Message);
    }
}
