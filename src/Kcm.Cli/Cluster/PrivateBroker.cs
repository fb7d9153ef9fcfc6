using System.Diagnostics;
using Kcm.Cluster.Broker;

namespace Kcm.Cli.Cluster;

/// <summary>
/// The local cluster's own RabbitMQ node (<see cref="LocalRabbitMqNode"/>) run detached: a fixed node name, its data
/// and Erlang cookie under the cluster folder (so durable queues survive <c>down</c> and <c>up</c>). The tests'
/// RabbitMqBroker fixture runs the same recipe as a child process that lives and dies with a test.
/// </summary>
internal static class PrivateBroker
{
    private const string NodeName = "kcm-cluster@localhost";

    /// <summary>
    /// Starts the node and waits until it accepts AMQP connections; throws with the log tail when it cannot.
    /// <paramref name="previous"/> (the node this cluster ran before) keeps its ports, so silos still running reconnect to it.
    /// </summary>
    public static async Task<BrokerEntry> StartAsync(ClusterLayout layout, BrokerEntry? previous, TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (!LocalRabbitMqNode.IsInstalled)
        {
            throw new ClusterException($"{LocalRabbitMqNode.ServerScript} is missing: run ./kcm setup (Debian package rabbitmq-server).");
        }

        var node = new LocalRabbitMqNode(
            layout.BrokerFolder,
            NodeName,
            previous?.AmqpPort ?? LoopbackPorts.Free(),
            previous?.DistributionPort ?? LoopbackPorts.Free());
        var environment = node.Prepare();
        var log = Path.Combine(node.LogFolder, "console.log");
        var wrapper = UnixProcess.StartDetached([LocalRabbitMqNode.ServerScript], log, environment, node.Folder);

        var stopwatch = Stopwatch.StartNew();
        while (!await LocalRabbitMqNode.AnswersAmqpAsync(node.AmqpPort, cancellationToken).ConfigureAwait(false))
        {
            if (!UnixProcess.Exists(wrapper))
            {
                throw new ClusterException($"rabbitmq-server exited before accepting connections. Log tail ({log}):\n{Tail(log)}");
            }

            if (stopwatch.Elapsed > timeout)
            {
                throw new ClusterException($"rabbitmq-server did not accept AMQP connections within {timeout.TotalSeconds:0} s. Log tail ({log}):\n{Tail(log)}");
            }

            await Task.Delay(200, cancellationToken).ConfigureAwait(false);
        }

        // The pid file names the Erlang VM, the process that must get SIGTERM for a clean stop.
        var vm = node.ErlangVmProcessId() ?? wrapper;
        return new BrokerEntry(NodeName, vm, node.AmqpPort, node.DistributionPort, node.Folder);
    }

    private static string Tail(string log)
    {
        try
        {
            return string.Join('\n', File.ReadLines(log).TakeLast(30));
        }
        catch (IOException)
        {
            return "(no log)";
        }
    }
}
