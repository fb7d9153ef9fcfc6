namespace Kcm.Evaluation;

/// <summary>One named line of a chart.</summary>
public sealed record ChartSeries(string Name, IReadOnlyList<CurvePoint> Points);
