namespace Kcm.Placement.Tests;

/// <summary>Two silos, neither gpu: silo 0 cpu, silo 1 cpu and distiller.</summary>
public sealed class NoGpuCluster : IAsyncLifetime
{
    /// <summary>The running cluster (set by <see cref="InitializeAsync"/>).</summary>
    public RoleCluster Cluster { get; private set; } = null!;

    /// <inheritdoc />
    public async Task InitializeAsync() => Cluster = await RoleCluster.StartAsync("cpu", "cpu,distiller");

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        // Null when InitializeAsync failed; RoleCluster.StartAsync has then disposed what it started.
        if (Cluster is not null)
        {
            await Cluster.DisposeAsync();
        }
    }
}
