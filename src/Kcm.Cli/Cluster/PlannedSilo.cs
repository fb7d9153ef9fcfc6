namespace Kcm.Cli.Cluster;

/// <summary>One silo a cluster of a given size has: its node id, roles and port slot.</summary>
/// <param name="NodeId">e.g. <c>gpu-2</c>; also the silo's Orleans name and log file name.</param>
/// <param name="Roles">Comma-separated silo roles (<c>Kcm:Roles</c>).</param>
/// <param name="Slot">Its place in a <see cref="PortBlock"/>, the same whatever the cluster's size.</param>
internal sealed record PlannedSilo(string NodeId, string Roles, int Slot)
{
    /// <summary>Whether this silo distils (and so can make the cluster's first models).</summary>
    public bool IsDistiller => Roles.Split(',').Contains(Kcm.Placement.SiloRoles.Distiller);
}
