using System.Text.Json.Serialization;

namespace Kcm.Cli.Cluster;

/// <summary>The private RabbitMQ node of a local cluster, as recorded in the state file.</summary>
/// <param name="NodeName">Erlang node name.</param>
/// <param name="Pid">The Erlang VM's process id (from the broker's pid file).</param>
/// <param name="AmqpPort">Loopback AMQP port.</param>
/// <param name="DistributionPort">Loopback Erlang distribution port.</param>
/// <param name="Folder">Data, logs and Erlang cookie.</param>
internal sealed record BrokerEntry(string NodeName, int Pid, int AmqpPort, int DistributionPort, string Folder)
{
    /// <summary>The URI silos join (guest may connect over loopback).</summary>
    [JsonIgnore]
    public string Uri => $"amqp://guest:guest@127.0.0.1:{AmqpPort}/";

    /// <summary>True while the recorded Erlang VM still runs this node (its command line names the node's private HOME).</summary>
    [JsonIgnore]
    public bool IsAlive => UnixProcess.CommandLineContains(Pid, "-home " + Folder);
}
