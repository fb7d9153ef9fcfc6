namespace Kcm.Contracts;

/// <summary>
/// Body of <c>GET /v1/models/{model}</c>: the model's threshold, versions, routing figures and large model, and the
/// large share the threshold's calibration promised (null when the threshold was set by hand), and the per-row score the
/// threshold is compared with: "judge_max_softmax", "judge_agreement" or "ensemble" (docs/serving.md).
/// </summary>
public sealed record ModelInfo(
    string Model,
    double Threshold,
    SmallModelInfo SmallModel,
    RoutingInfo Routing,
    LargeModelInfo LargeModel,
    double? CalibratedLargeShare = null,
    string RoutingScore = "judge_max_softmax");
