namespace Kcm.Evaluation;

/// <summary>
/// How well a router orders samples: APGR (area under the performance-gap-recovered curve) and CPT(x), the smallest
/// large-model share that recovers x of the small-to-large accuracy gap, plus the accuracy-vs-share curve.
/// APGR and CPT are null when the large model is not more accurate than the small one (there is no gap to recover).
/// </summary>
public sealed record RouterMetrics(double? Apgr, double? Cpt50, double? Cpt80, double? Cpt95, IReadOnlyList<CurvePoint> Curve);
