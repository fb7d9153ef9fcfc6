using Kcm.Abstractions.Registry;
using Kcm.Core.Routing;

namespace Kcm.Grains.Registry;

/// <summary>The serving version's <see cref="RoutingScore"/> (the wire's) and the algorithms' <see cref="ServingScore"/>, one to one.</summary>
public static class RoutingScoreConversion
{
    public static RoutingScore ToRoutingScore(this ServingScore score) => score switch
    {
        ServingScore.JudgeMaxSoftmax => RoutingScore.JudgeMaxSoftmax,
        ServingScore.JudgeAgreement => RoutingScore.JudgeAgreement,
        ServingScore.Ensemble => RoutingScore.Ensemble,
        _ => throw new ArgumentOutOfRangeException(nameof(score), score, "Not a serving score."),
    };

    public static ServingScore ToServingScore(this RoutingScore score) => score switch
    {
        RoutingScore.JudgeMaxSoftmax => ServingScore.JudgeMaxSoftmax,
        RoutingScore.JudgeAgreement => ServingScore.JudgeAgreement,
        RoutingScore.Ensemble => ServingScore.Ensemble,
        _ => throw new ArgumentOutOfRangeException(nameof(score), score, "Not a routing score."),
    };
}
