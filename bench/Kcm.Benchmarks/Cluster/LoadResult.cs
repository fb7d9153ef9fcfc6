namespace Kcm.Benchmarks.Cluster;

/// <summary>One measurement: samples per second and client-side request latency percentiles.</summary>
internal sealed record LoadResult(double SamplesPerSecond, double P50Ms, double P99Ms, double LargeShare);
