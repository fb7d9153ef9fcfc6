using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Kcm.Testing;

/// <summary>
/// A real RabbitMQ node (Debian's rabbitmq-server, installed by ./kcm setup) run as the current user: its own node
/// name, AMQP and distribution ports on loopback, data and logs in a temporary folder, no plugins. It can be stopped
/// and started again on the same ports and data (durable queues survive) for resilience tests. Dispose kills it and
/// removes the folder. Start failures throw with the broker's log tail.
/// </summary>
public sealed class RabbitMqBroker : IAsyncDisposable
{
    public const string ServerScript = "/usr/lib/rabbitmq/bin/rabbitmq-server";

    private const int LogLinesKept = 200;

    private readonly string _folder;
    private readonly string _nodeName;
    private readonly int _distributionPort;
    private readonly ConcurrentQueue<string> _log = new();
    private Process? _process;

    private RabbitMqBroker(string folder, string nodeName, int amqpPort, int distributionPort)
    {
        _folder = folder;
        _nodeName = nodeName;
        AmqpPort = amqpPort;
        _distributionPort = distributionPort;
    }

    /// <summary>Whether rabbitmq-server is installed here.</summary>
    public static bool IsInstalled => File.Exists(ServerScript);

    public int AmqpPort { get; }

    /// <summary>The AMQP URI of this node (guest may connect over loopback).</summary>
    public Uri Uri => new($"amqp://guest:guest@127.0.0.1:{AmqpPort}/");

    /// <summary>Whether the node process is running now.</summary>
    public bool IsRunning => _process is { HasExited: false };

    /// <summary>The last lines the node logged, for failure messages.</summary>
    public string RecentLog => string.Join('\n', _log);

    /// <summary>Starts a new node on free ports and waits until it accepts AMQP connections.</summary>
    public static async Task<RabbitMqBroker> StartAsync(CancellationToken cancellationToken = default)
    {
        if (!IsInstalled)
        {
            throw new InvalidOperationException($"{ServerScript} is missing; run ./kcm setup (Debian package rabbitmq-server).");
        }

        var folder = Directory.CreateTempSubdirectory("kcm-rabbitmq-").FullName;
        var id = Path.GetFileName(folder).Replace('.', '-');
        var broker = new RabbitMqBroker(folder, $"{id}@localhost", LoopbackPort.Free(), LoopbackPort.Free());
        try
        {
            await broker.StartAgainAsync(cancellationToken).ConfigureAwait(false);
            return broker;
        }
        catch
        {
            await broker.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Starts the node (again) with the same ports and data, and waits until it accepts AMQP connections.</summary>
    public async Task StartAgainAsync(CancellationToken cancellationToken = default)
    {
        if (IsRunning)
        {
            return;
        }

        _process?.Dispose();
        _process = Launch();
        await WaitUntilAcceptingAsync(TimeSpan.FromSeconds(60), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Stops the node gracefully (SIGTERM to the Erlang VM) and waits until it has exited.</summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        if (_process is not { HasExited: false } process)
        {
            return;
        }

        var vm = ErlangVmProcessId();
        if (vm is { } pid)
        {
            SendTerminate(pid);
        }
        else
        {
            process.Kill(entireProcessTree: true);
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        try
        {
            await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        }

        // The VM may outlive the wrapper script for a moment; the ports must be free before a restart.
        if (vm is { } vmPid)
        {
            await WaitForExitAsync(vmPid, TimeSpan.FromSeconds(30), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Closes, from the broker's side, the client connection whose local port is <paramref name="clientPort"/>, as
    /// when its node dies: the broker requeues what that connection had not acknowledged. Returns false when no such
    /// connection was found.
    /// </summary>
    public async Task<bool> CloseClientConnectionAsync(int clientPort, CancellationToken cancellationToken = default)
    {
        var listing = await RunControlAsync(["-q", "list_connections", "pid", "peer_port", "--no-table-headers"], cancellationToken).ConfigureAwait(false);
        foreach (var line in listing.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var columns = line.Split('\t');
            if (columns.Length == 2 && columns[1] == clientPort.ToString(System.Globalization.CultureInfo.InvariantCulture))
            {
                await RunControlAsync(["close_connection", columns[0], "closed by test"], cancellationToken).ConfigureAwait(false);
                return true;
            }
        }

        return false;
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is { } process)
        {
            try
            {
                if (!process.HasExited)
                {
                    process.Kill(entireProcessTree: true);
                    await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
                }
            }
            catch (Exception e) when (e is InvalidOperationException or TimeoutException)
            {
                // Already gone, or stuck: cleanup must never fail a test.
            }

            process.Dispose();
        }

        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private Process Launch()
    {
        var mnesia = Path.Combine(_folder, "mnesia");
        var logs = Path.Combine(_folder, "log");
        Directory.CreateDirectory(mnesia);
        Directory.CreateDirectory(logs);
        var configBase = Path.Combine(_folder, "rabbitmq");
        File.WriteAllText(configBase + ".conf", "listeners.tcp.default = 127.0.0.1:" + AmqpPort + "\n");
        File.WriteAllText(Path.Combine(_folder, "enabled_plugins"), "[].\n");

        var start = new ProcessStartInfo(ServerScript)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = _folder,
        };
        var environment = start.Environment;
        // HOME holds the Erlang cookie; a private one keeps this node apart from any system broker.
        environment["HOME"] = _folder;
        environment["RABBITMQ_NODENAME"] = _nodeName;
        environment["RABBITMQ_NODE_IP_ADDRESS"] = "127.0.0.1";
        environment["RABBITMQ_NODE_PORT"] = AmqpPort.ToString(System.Globalization.CultureInfo.InvariantCulture);
        environment["RABBITMQ_DIST_PORT"] = _distributionPort.ToString(System.Globalization.CultureInfo.InvariantCulture);
        environment["RABBITMQ_MNESIA_BASE"] = mnesia;
        environment["RABBITMQ_LOG_BASE"] = logs;
        environment["RABBITMQ_LOGS"] = "-";
        environment["RABBITMQ_CONFIG_FILE"] = configBase;
        environment["RABBITMQ_ENABLED_PLUGINS_FILE"] = Path.Combine(_folder, "enabled_plugins");
        environment["RABBITMQ_PID_FILE"] = PidFile;

        var process = new Process { StartInfo = start };
        DataReceivedEventHandler keep = (_, line) =>
        {
            if (line.Data is null)
            {
                return;
            }

            _log.Enqueue(line.Data);
            while (_log.Count > LogLinesKept && _log.TryDequeue(out var _))
            {
            }
        };
        process.OutputDataReceived += keep;
        process.ErrorDataReceived += keep;
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    /// <summary>Runs rabbitmqctl against this node and returns its output; throws with the output when it fails.</summary>
    private async Task<string> RunControlAsync(IEnumerable<string> arguments, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(Path.Combine(Path.GetDirectoryName(ServerScript)!, "rabbitmqctl"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = _folder,
        };
        start.Environment["HOME"] = _folder;
        start.ArgumentList.Add("-n");
        start.ArgumentList.Add(_nodeName);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("rabbitmqctl did not start.");
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var errors = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"rabbitmqctl {string.Join(' ', arguments)} failed with code {process.ExitCode}: {await errors.ConfigureAwait(false)}");
        }

        return await output.ConfigureAwait(false);
    }

    private string PidFile => Path.Combine(_folder, "rabbitmq.pid");

    private int? ErlangVmProcessId()
    {
        try
        {
            var text = File.ReadAllText(PidFile).Trim();
            return int.TryParse(text, out var pid) ? pid : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    private async Task WaitUntilAcceptingAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var stopwatch = Stopwatch.StartNew();
        while (stopwatch.Elapsed < timeout)
        {
            if (_process is { HasExited: true } exited)
            {
                throw new InvalidOperationException(
                    $"rabbitmq-server exited with code {exited.ExitCode} before accepting connections. Log tail:\n{RecentLog}");
            }

            if (await AnswersAmqpHandshakeAsync(cancellationToken).ConfigureAwait(false))
            {
                return;
            }

            await Task.Delay(100, cancellationToken).ConfigureAwait(false);
        }

        throw new TimeoutException($"rabbitmq-server did not accept AMQP connections within {timeout}. Log tail:\n{RecentLog}");
    }

    /// <summary>True when the port answers the AMQP 0-9-1 protocol header with a frame (connection.start).</summary>
    private async Task<bool> AnswersAmqpHandshakeAsync(CancellationToken cancellationToken)
    {
        try
        {
            using var client = new TcpClient();
            using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            attempt.CancelAfter(TimeSpan.FromSeconds(2));
            await client.ConnectAsync(IPAddress.Loopback, AmqpPort, attempt.Token).ConfigureAwait(false);
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

    private static async Task WaitForExitAsync(int pid, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var stopwatch = Stopwatch.StartNew();
        while (stopwatch.Elapsed < timeout && Directory.Exists("/proc/" + pid))
        {
            await Task.Delay(50, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>SIGTERM makes the Erlang VM stop the node cleanly (.NET's Process.Kill only sends SIGKILL).</summary>
    private static void SendTerminate(int pid)
    {
        using var kill = Process.Start(new ProcessStartInfo("/bin/kill", ["-TERM", pid.ToString(System.Globalization.CultureInfo.InvariantCulture)])
        {
            UseShellExecute = false,
        });
        kill?.WaitForExit(5000);
    }
}
