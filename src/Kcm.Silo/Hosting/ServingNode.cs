namespace Kcm.Silo.Hosting;

/// <summary>
/// The silo's serving state: not ready until the start-up has loaded every model, then the loaded grains. HTTP
/// handlers read it once per request.
/// </summary>
public sealed class ServingNode
{
    private ServingGrains? _grains;
    private volatile bool _stopping;
    private Func<bool>? _brokerConnected;

    /// <summary>The loaded grains, or null while loading (or when loading failed).</summary>
    public ServingGrains? Grains => Volatile.Read(ref _grains);

    public bool IsReady => Grains is not null && !_stopping && (_brokerConnected?.Invoke() ?? true);

    /// <summary>Whether the cluster's broker is connected (always true in the embedded mode).</summary>
    public bool IsBrokerConnected => _brokerConnected?.Invoke() ?? true;

    public bool IsStopping => _stopping;

    /// <summary>Why loading failed, when it did.</summary>
    public Exception? StartFailure { get; private set; }

    internal void Ready(ServingGrains grains) => Volatile.Write(ref _grains, grains);

    /// <summary>Cluster mode: readiness also requires the broker connection, read through <paramref name="brokerConnected"/>.</summary>
    internal void JoinedCluster(Func<bool> brokerConnected) => _brokerConnected = brokerConnected;

    internal void Failed(Exception failure) => StartFailure = failure;

    internal void Stopping() => _stopping = true;
}
