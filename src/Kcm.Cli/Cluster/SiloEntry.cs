using System.Net;
using System.Text.Json.Serialization;

namespace Kcm.Cli.Cluster;

/// <summary>One silo process of a local Orleans cluster, as recorded in the state file.</summary>
/// <param name="NodeId">Its node id, e.g. <c>gpu-2</c> (also its Orleans silo name).</param>
/// <param name="Roles">Its roles, comma-separated.</param>
/// <param name="Pid">The process id of the <c>kcm cluster-silo</c> process.</param>
/// <param name="Url">Its HTTP API (loopback).</param>
/// <param name="SiloPort">Its silo-to-silo port (loopback).</param>
/// <param name="GatewayPort">Its gateway port, where Orleans clients (the Kcm.Client SDK) connect.</param>
/// <param name="Log">Its stdout and stderr.</param>
internal sealed record SiloEntry(string NodeId, string Roles, int Pid, string Url, int SiloPort, int GatewayPort, string Log)
{
    /// <summary>The gateway endpoint for <c>KcmClientOptions.Gateways</c>.</summary>
    [JsonIgnore]
    public IPEndPoint Gateway => new(IPAddress.Loopback, GatewayPort);

    /// <summary>True while a process with this pid is still this silo (a recycled pid is not).</summary>
    [JsonIgnore]
    public bool IsAlive => UnixProcess.CommandLineContains(Pid, "--urls=" + Url);
}
