using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Kcm.Cluster.Broker;

/// <summary>
/// How a private RabbitMQ node (Debian's rabbitmq-server) runs as the current user: its own node name, AMQP and
/// Erlang-distribution ports on loopback, data, logs and Erlang cookie under one folder, no plugins. The single recipe
/// behind <c>./kcm cluster up</c>'s broker and the tests' broker fixture; each starts and supervises the process its
/// own way.
/// </summary>
/// <param name="Folder">Holds the node's data (mnesia), logs, config and cookie.</param>
/// <param name="NodeName">The Erlang node name, such as <c>kcm-cluster@localhost</c>.</param>
/// <param name="AmqpPort">The loopback port clients connect to.</param>
/// <param name="DistributionPort">The loopback port of Erlang distribution (rabbitmqctl talks to the node through it).</param>
public sealed record LocalRabbitMqNode(string Folder, string NodeName, int AmqpPort, int DistributionPort)
{
    public const string ServerScript = "/usr/lib/rabbitmq/bin/rabbitmq-server";

    /// <summary>rabbitmqctl, beside the server script.</summary>
    public static string ControlScript => Path.Combine(Path.GetDirectoryName(ServerScript)!, "rabbitmqctl");

    /// <summary>Whether rabbitmq-server is installed here (./kcm setup installs it).</summary>
    public static bool IsInstalled => File.Exists(ServerScript);

    /// <summary>Where the node writes the Erlang VM's process id: the process that must get SIGTERM for a clean stop.</summary>
    public string PidFile => Path.Combine(Folder, "rabbitmq.pid");

    public string LogFolder => Path.Combine(Folder, "log");

    /// <summary>
    /// Creates the data and log folders and writes the config and plugin files (a stale pid file is removed); returns
    /// the environment rabbitmq-server needs. rabbitmqctl needs the same HOME (the cookie) and <c>-n</c> <see cref="NodeName"/>.
    /// </summary>
    public IReadOnlyDictionary<string, string> Prepare()
    {
        var mnesia = Path.Combine(Folder, "mnesia");
        Directory.CreateDirectory(mnesia);
        Directory.CreateDirectory(LogFolder);
        var configBase = Path.Combine(Folder, "rabbitmq");
        File.WriteAllText(configBase + ".conf", $"listeners.tcp.default = 127.0.0.1:{AmqpPort.ToString(CultureInfo.InvariantCulture)}\n");
        var plugins = Path.Combine(Folder, "enabled_plugins");
        File.WriteAllText(plugins, "[].\n");
        File.Delete(PidFile);
        return new Dictionary<string, string>
        {
            // HOME holds the Erlang cookie; a private one keeps this node apart from any system broker.
            ["HOME"] = Folder,
            ["RABBITMQ_NODENAME"] = NodeName,
            ["RABBITMQ_NODE_IP_ADDRESS"] = "127.0.0.1",
            ["RABBITMQ_NODE_PORT"] = AmqpPort.ToString(CultureInfo.InvariantCulture),
            ["RABBITMQ_DIST_PORT"] = DistributionPort.ToString(CultureInfo.InvariantCulture),
            ["RABBITMQ_MNESIA_BASE"] = mnesia,
            ["RABBITMQ_LOG_BASE"] = LogFolder,
            ["RABBITMQ_LOGS"] = "-",
            ["RABBITMQ_CONFIG_FILE"] = configBase,
            ["RABBITMQ_ENABLED_PLUGINS_FILE"] = plugins,
            ["RABBITMQ_PID_FILE"] = PidFile,
        };
    }

    /// <summary>The Erlang VM's process id from <see cref="PidFile"/>, or null while the node has not written it.</summary>
    public int? ErlangVmProcessId()
    {
        try
        {
            return int.TryParse(File.ReadAllText(PidFile).Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var pid) ? pid : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>True when the loopback port answers the AMQP 0-9-1 protocol header with a method frame (connection.start).</summary>
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
            // Frame type 1 is a method frame: the broker's connection.start.
            return read == 1 && frame[0] == 1;
        }
        catch (Exception e) when (e is SocketException or IOException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }
}
