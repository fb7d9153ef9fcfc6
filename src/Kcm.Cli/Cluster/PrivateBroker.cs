using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Kcm.Cli.Cluster;

/// <summary>
/// The local cluster's own RabbitMQ node (Debian's rabbitmq-server) run as the current user, detached: a fixed node
/// name, loopback ports, data and Erlang cookie under the cluster folder (so durable queues survive <c>down</c> and
/// <c>up</c>), no plugins. The same recipe as the tests' RabbitMqBroker fixture, which instead lives and dies with a test.
/// </summary>
internal static class PrivateBroker
{
    public const string ServerScript = "/usr/lib/rabbitmq/bin/rabbitmq-server";

    private const string NodeName = "kcm-cluster@localhost";

    /// <summary>
    /// Starts the node and waits until it accepts AMQP connections; throws with the log tail when it cannot.
    /// <paramref name="previous"/> (the node this cluster ran before) keeps its ports, so silos still running reconnect to it.
    /// </summary>
    public static async Task<BrokerEntry> StartAsync(ClusterLayout layout, BrokerEntry? previous, TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (!File.Exists(ServerScript))
        {
            throw new ClusterException($"{ServerScript} is missing: run ./kcm setup (Debian package rabbitmq-server).");
        }

        var folder = layout.BrokerFolder;
        var mnesia = Path.Combine(folder, "mnesia");
        var logs = Path.Combine(folder, "log");
        Directory.CreateDirectory(mnesia);
        Directory.CreateDirectory(logs);
        var amqpPort = previous?.AmqpPort ?? LoopbackPorts.Free();
        var distributionPort = previous?.DistributionPort ?? LoopbackPorts.Free();
        var configBase = Path.Combine(folder, "rabbitmq");
        File.WriteAllText(configBase + ".conf", $"listeners.tcp.default = 127.0.0.1:{amqpPort}\n");
        File.WriteAllText(Path.Combine(folder, "enabled_plugins"), "[].\n");
        var pidFile = Path.Combine(folder, "rabbitmq.pid");
        File.Delete(pidFile);
        var log = Path.Combine(logs, "console.log");
        var environment = new Dictionary<string, string>
        {
            // HOME holds the Erlang cookie; a private one keeps this node apart from any system broker.
            ["HOME"] = folder,
            ["RABBITMQ_NODENAME"] = NodeName,
            ["RABBITMQ_NODE_IP_ADDRESS"] = "127.0.0.1",
            ["RABBITMQ_NODE_PORT"] = amqpPort.ToString(CultureInfo.InvariantCulture),
            ["RABBITMQ_DIST_PORT"] = distributionPort.ToString(CultureInfo.InvariantCulture),
            ["RABBITMQ_MNESIA_BASE"] = mnesia,
            ["RABBITMQ_LOG_BASE"] = logs,
            ["RABBITMQ_LOGS"] = "-",
            ["RABBITMQ_CONFIG_FILE"] = configBase,
            ["RABBITMQ_ENABLED_PLUGINS_FILE"] = Path.Combine(folder, "enabled_plugins"),
            ["RABBITMQ_PID_FILE"] = pidFile,
        };
        var wrapper = UnixProcess.StartDetached([ServerScript], log, environment, folder);

        var stopwatch = Stopwatch.StartNew();
        while (!await AnswersAmqpAsync(amqpPort, cancellationToken).ConfigureAwait(false))
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
        var vm = int.TryParse(File.Exists(pidFile) ? File.ReadAllText(pidFile).Trim() : null, CultureInfo.InvariantCulture, out var pid) ? pid : wrapper;
        return new BrokerEntry(NodeName, vm, amqpPort, distributionPort, folder);
    }

    /// <summary>True when the port answers the AMQP 0-9-1 protocol header with a method frame (connection.start).</summary>
    public static async Task<bool> AnswersAmqpAsync(int port, CancellationToken cancellationToken)
    {
        try
        {
            using var client = new TcpClient();
            using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            attempt.CancelAfter(TimeSpan.FromSeconds(2));
            await client.ConnectAsync(IPAddress.Loopback, port, attempt.Token).ConfigureAwait(false);
            var stream = client.GetStream();
            await stream.WriteAsync("AMQP\0\0\u0009\u0001"u8.ToArray(), attempt.Token).ConfigureAwait(false);
            var frame = new byte[1];
            var read = await stream.ReadAsync(frame, attempt.Token).ConfigureAwait(false);
            return read == 1 && frame[0] == 1;
        }
        catch (Exception e) when (e is SocketException or IOException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return false;
        }
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
