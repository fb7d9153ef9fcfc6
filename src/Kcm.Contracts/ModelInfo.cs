namespace Kcm.Contracts;

/// <summary>
/// Body of <c>GET /v1/models/{model}</c>: the model's threshold, versions, routing figures and large model, and the
/// large share the threshold's calibration promised (null when the threshold was set by hand).
/// </summary>
public sealed record ModelInfo(
    string Model,
    double Threshold,
    SmallModelInfo SmallModel,
    RoutingInfo Routing,
    LargeModelInfo LargeModel,
    double? CalibratedLargeShare = null);
