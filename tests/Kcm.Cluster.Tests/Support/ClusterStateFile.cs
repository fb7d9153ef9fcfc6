namespace Kcm.Cluster.Tests.Support;

/// <summary>The state file <c>kcm cluster up</c> writes, as the tests read it (a separate type: the CLI's own is internal).</summary>
public sealed record ClusterStateFile(ClusterStateFile.BrokerProcess? Broker, string AdminToken, IReadOnlyList<ClusterStateFile.Silo> Silos)
{
    public sealed record BrokerProcess(string NodeName, int Pid, int AmqpPort, int DistributionPort, string Folder);

    public sealed record Silo(string NodeId, string Roles, int Pid, string Url, string Log);
}
