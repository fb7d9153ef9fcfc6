namespace Kcm.Cli.Cluster;

/// <summary>
/// The loopback ports of a cluster started with <c>--port FIRST</c>: Azurite's blob, queue and table services on FIRST,
/// FIRST+1 and FIRST+2, then three ports per silo slot (<see cref="PlannedSilo.Slot"/>): HTTP, silo-to-silo, gateway.
/// A silo keeps its ports however far the cluster grows.
/// </summary>
/// <param name="First">The first port of the block.</param>
internal sealed record PortBlock(int First)
{
    /// <summary>The lowest first port accepted (below it are the privileged ports).</summary>
    public const int LowestFirst = 1024;

    /// <summary>The highest first port accepted: the largest cluster's block still ends at 65535.</summary>
    public const int HighestFirst = 65_535 - AzuritePorts - (PortsPerSilo * ClusterPlan.MaxSilos) + 1;

    private const int AzuritePorts = 3;
    private const int PortsPerSilo = 3;

    public int AzuriteBlob => First;

    public int AzuriteQueue => First + 1;

    public int AzuriteTable => First + 2;

    /// <summary>The HTTP API port of the silo in <paramref name="slot"/>.</summary>
    public int Http(int slot) => First + AzuritePorts + (PortsPerSilo * slot);

    /// <summary>The silo-to-silo port of the silo in <paramref name="slot"/>.</summary>
    public int Silo(int slot) => Http(slot) + 1;

    /// <summary>The gateway port of the silo in <paramref name="slot"/>.</summary>
    public int Gateway(int slot) => Http(slot) + 2;

    /// <summary>The last port a cluster of <paramref name="silos"/> uses.</summary>
    public int Last(int silos) => Http(ClusterPlan.For(silos).Max(p => p.Slot)) + PortsPerSilo - 1;
}
