namespace Kcm.Placement.Tests;

/// <summary>Three silos: silo 0 cpu, silos 1 and 2 gpu (to tell "local" from "the only gpu silo").</summary>
public sealed class TwoGpuCluster : IAsyncLifetime
{
    /// <summary>The running cluster (set by <see cref="InitializeAsync"/>).</summary>
    public RoleCluster Cluster { get; private set; } = null!;

    /// <inheritdoc />
    public async Task InitializeAsync() => Cluster = await RoleCluster.StartAsync("cpu", "gpu", "gpu");

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
