using System.Collections.Concurrent;
using System.Diagnostics;
using Kcm.Cluster.Broker;

namespace Kcm.Testing;

/// <summary>
/// A real RabbitMQ node (Debian's rabbitmq-server, installed by ./kcm setup; the recipe is <see cref="LocalRabbitMqNode"/>)
/// run as the current user's child process, its data and logs in a temporary folder. It can be stopped
/// and started again on the same ports and data (durable queues survive) for resilience tests. Dispose kills it and
/// removes the folder. Start failures throw with the broker's log tail.
/// </summary>
public sealed class RabbitMqBroker : IAsyncDisposable
{
    private const int LogLinesKept = 200;

    private readonly LocalRabbitMqNode _node;
    private readonly ConcurrentQueue<string> _log = new();
    private Process? _process;

    private RabbitMqBroker(LocalRabbitMqNode node) => _node = node;

    /// <summary>Whether rabbitmq-server is installed here.</summary>
    public static bool IsInstalled => LocalRabbitMqNode.IsInstalled;

    public int AmqpPort => _node.AmqpPort;

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
            throw new InvalidOperationException($"{LocalRabbitMqNode.ServerScript} is missing; run ./kcm setup (Debian package rabbitmq-server).");
        }

        var folder = Directory.CreateTempSubdirectory("kcm-rabbitmq-").FullName;
        var id = Path.GetFileName(folder).Replace('.', '-');
        var broker = new RabbitMqBroker(new LocalRabbitMqNode(folder, $"{id}@localhost", LoopbackPort.Free(), LoopbackPort.Free()));
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

        var vm = _node.ErlangVmProcessId();
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
            Directory.Delete(_node.Folder, recursive: true);
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
        var start = new ProcessStartInfo(LocalRabbitMqNode.ServerScript)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = _node.Folder,
        };
        foreach (var (name, value) in _node.Prepare())
        {
            start.Environment[name] = value;
        }

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
        var start = new ProcessStartInfo(LocalRabbitMqNode.ControlScript)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = _node.Folder,
        };
        start.Environment["HOME"] = _node.Folder;
        start.ArgumentList.Add("-n");
        start.ArgumentList.Add(_node.NodeName);
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

            if (await LocalRabbitMqNode.AnswersAmqpAsync(AmqpPort, cancellationToken).ConfigureAwait(false))
            {
                return;
            }

            await Task.Delay(100, cancellationToken).ConfigureAwait(false);
        }

        throw new TimeoutException($"rabbitmq-server did not accept AMQP connections within {timeout}. Log tail:\n{RecentLog}");
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
