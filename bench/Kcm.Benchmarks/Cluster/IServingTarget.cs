namespace Kcm.Benchmarks.Cluster;

/// <summary>One system under measurement, driven through its own client: classify a batch, set the threshold.</summary>
internal interface IServingTarget : IAsyncDisposable
{
    /// <summary>How the table names it.</summary>
    string Name { get; }

    /// <summary>Classifies the rows in one request; returns how many took the large route.</summary>
    Task<int> ClassifyAsync(float[][] rows);

    /// <summary>Publishes a new threshold and waits until it serves.</summary>
    Task SetThresholdAsync(double threshold);
}
