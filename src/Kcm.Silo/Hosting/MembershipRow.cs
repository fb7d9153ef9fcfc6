namespace Kcm.Silo.Hosting;

/// <summary>One silo's row in the cluster's membership table (Azure Table <c>OrleansSiloInstances</c>), as Orleans wrote it.</summary>
/// <param name="SiloName">The silo's name (<c>Kcm:Orleans:SiloName</c>, or Orleans' own).</param>
/// <param name="Address">The silo's advertised IP address.</param>
/// <param name="SiloPort">Its silo-to-silo port.</param>
/// <param name="GatewayPort">Its gateway port (0 when it has none).</param>
/// <param name="Generation">Its generation (a restarted silo on the same address and port gets a new one).</param>
/// <param name="Status">Orleans' status: Created, Joining, Active, ShuttingDown, Stopping or Dead.</param>
/// <param name="Suspicions">How many suspicions (votes) other silos have recorded against it.</param>
public sealed record MembershipRow(string SiloName, string Address, int SiloPort, int GatewayPort, int Generation, string Status, int Suspicions)
{
    /// <summary>Whether Orleans counts this silo as a live cluster member.</summary>
    public bool IsActive => Status == "Active";

    /// <summary>Whether this silo has been declared dead (or left).</summary>
    public bool IsDead => Status == "Dead";
}
