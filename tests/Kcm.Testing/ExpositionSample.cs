namespace Kcm.Testing;

/// <summary>One sample line of a Prometheus text exposition: metric name, labels (as written) and value.</summary>
public sealed record ExpositionSample(string Name, IReadOnlyDictionary<string, string> Labels, double Value);
