using System.Text.Json.Serialization;

namespace Kcm.Cli.Cluster;

/// <summary>One silo process of a local cluster, as recorded in the state file.</summary>
/// <param name="NodeId">Its node id, e.g. <c>large-2</c>.</param>
/// <param name="Roles">Its roles, comma-separated.</param>
/// <param name="Pid">The process id of the <c>kcm serve</c> process.</param>
/// <param name="Url">Where it listens (loopback).</param>
/// <param name="Log">Its stdout and stderr.</param>
internal sealed record SiloEntry(string NodeId, string Roles, int Pid, string Url, string Log)
{
    /// <summary>True while a process with this pid is still this silo (a recycled pid is not).</summary>
    [JsonIgnore]
    public bool IsAlive => UnixProcess.CommandLineContains(Pid, "--urls=" + Url);
}
