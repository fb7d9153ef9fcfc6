using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Kcm.Testing;

/// <summary>
/// A real Azurite (the Azure Storage emulator: blob, queue and table services) run with Node.js from the copy
/// ./kcm setup installs in .native/azurite-3.37.0, on free loopback ports, its data in a temporary folder
/// (--location, so a stop and start keeps blobs, queue messages and table rows). It can be stopped (SIGTERM, as a
/// service manager would) and started again on the same folder and ports for outage tests. Dispose stops it and
/// removes the folder. Start failures throw with Azurite's log tail.
/// </summary>
public sealed class AzuriteServer : IAsyncDisposable
{
    /// <summary>The Azurite version ./kcm setup installs (kcm's setup_azurite).</summary>
    public const string Version = "3.37.0";

    /// <summary>The emulator's one well-known account.</summary>
    public const string AccountName = "devstoreaccount1";

    /// <summary>The well-known key of <see cref="AccountName"/> (public: documented by Azurite, not a secret).</summary>
    public const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private const int LogLinesKept = 200;
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(30);

    private readonly ConcurrentQueue<string> _log = new();
    private Process? _process;

    private AzuriteServer(string location, int blobPort, int queuePort, int tablePort, bool skipApiVersionCheck)
    {
        Location = location;
        SkipsApiVersionCheck = skipApiVersionCheck;
        BlobPort = blobPort;
        QueuePort = queuePort;
        TablePort = tablePort;
    }

    /// <summary>Azurite's entry script inside the local npm prefix ./kcm setup fills.</summary>
    public static string EntryScript { get; } =
        RepositoryRoot.Combine(".native", $"azurite-{Version}", "node_modules", "azurite", "dist", "src", "azurite.js");

    /// <summary>Whether ./kcm setup has installed Azurite here.</summary>
    public static bool IsInstalled => File.Exists(EntryScript);

    /// <summary>
    /// Whether Azurite accepts every API version (--skipApiVersionCheck, the default: Orleans' providers need it); when
    /// false it refuses versions newer than it knows, as a check that our own clients pin one it does.
    /// </summary>
    public bool SkipsApiVersionCheck { get; }

    /// <summary>The folder Azurite keeps its data in (--location); the same across restarts.</summary>
    public string Location { get; }

    public int BlobPort { get; }

    public int QueuePort { get; }

    public int TablePort { get; }

    /// <summary>The blob service of <see cref="AccountName"/> (path-style URL, as the emulator serves it).</summary>
    public Uri BlobEndpoint => Endpoint(BlobPort);

    /// <summary>The queue service of <see cref="AccountName"/>.</summary>
    public Uri QueueEndpoint => Endpoint(QueuePort);

    /// <summary>The table service of <see cref="AccountName"/>.</summary>
    public Uri TableEndpoint => Endpoint(TablePort);

    /// <summary>A storage connection string for the three services, usable by every Azure SDK client and Orleans provider.</summary>
    public string ConnectionString =>
        $"DefaultEndpointsProtocol=http;AccountName={AccountName};AccountKey={AccountKey};"
        + $"BlobEndpoint={BlobEndpoint};QueueEndpoint={QueueEndpoint};TableEndpoint={TableEndpoint};";

    /// <summary>Whether the Azurite process is running now.</summary>
    public bool IsRunning => _process is { HasExited: false };

    /// <summary>How long the last start took, from launching Node.js until all three ports answered.</summary>
    public TimeSpan LastStartDuration { get; private set; }

    /// <summary>The last lines Azurite printed, for failure messages.</summary>
    public string RecentLog => string.Join('\n', _log);

    /// <summary>Starts Azurite on free loopback ports with a new data folder and waits until its three services answer.</summary>
    /// <exception cref="AzuriteNotInstalledException">./kcm setup has not installed Azurite.</exception>
    public static Task<AzuriteServer> StartAsync(CancellationToken cancellationToken = default) =>
        StartAsync(skipApiVersionCheck: true, cancellationToken);

    /// <summary>
    /// Starts Azurite as <see cref="StartAsync(CancellationToken)"/> does; with <paramref name="skipApiVersionCheck"/>
    /// false it refuses API versions newer than it knows (see <see cref="SkipsApiVersionCheck"/>).
    /// </summary>
    /// <exception cref="AzuriteNotInstalledException">./kcm setup has not installed Azurite.</exception>
    public static async Task<AzuriteServer> StartAsync(bool skipApiVersionCheck, CancellationToken cancellationToken = default)
    {
        if (!IsInstalled)
        {
            throw new AzuriteNotInstalledException();
        }

        var folder = Directory.CreateTempSubdirectory("kcm-azurite-").FullName;
        var server = new AzuriteServer(folder, LoopbackPort.Free(), LoopbackPort.Free(), LoopbackPort.Free(), skipApiVersionCheck);
        try
        {
            await server.StartAgainAsync(cancellationToken).ConfigureAwait(false);
            return server;
        }
        catch
        {
            await server.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Starts Azurite (again) on the same ports and data folder and waits until its three services answer.</summary>
    public async Task StartAgainAsync(CancellationToken cancellationToken = default)
    {
        if (IsRunning)
        {
            return;
        }

        _process?.Dispose();
        var stopwatch = Stopwatch.StartNew();
        _process = Launch();
        await WaitUntilAnsweringAsync(_process, cancellationToken).ConfigureAwait(false);
        LastStartDuration = stopwatch.Elapsed;
    }

    /// <summary>
    /// Stops Azurite gracefully (SIGTERM: it closes its services and saves its data) and waits until it has exited;
    /// after <see cref="StopTimeout"/> it is killed.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        if (_process is not { HasExited: false } process)
        {
            return;
        }

        PosixSignal.Terminate(process.Id);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(StopTimeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Stops Azurite and removes its data folder; never throws.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_process is { } process)
        {
            try
            {
                await StopAsync().WaitAsync(StopTimeout + TimeSpan.FromSeconds(5)).ConfigureAwait(false);
            }
            catch (Exception e) when (e is InvalidOperationException or TimeoutException)
            {
                // Already gone, or stuck: cleanup must never fail a test.
                try
                {
                    process.Kill(entireProcessTree: true);
                }
                catch (InvalidOperationException)
                {
                }
            }

            process.Dispose();
            _process = null;
        }

        try
        {
            Directory.Delete(Location, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private static Uri Endpoint(int port) => new($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}/{AccountName}");

    private Process Launch()
    {
        // Node.js runs the entry script itself, so the process we hold is Azurite's: SIGTERM reaches it directly.
        var start = new ProcessStartInfo("node")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Location,
        };
        string[] arguments =
        [
            EntryScript,
            "--location", Location,
            "--blobHost", "127.0.0.1", "--blobPort", Port(BlobPort),
            "--queueHost", "127.0.0.1", "--queuePort", Port(QueuePort),
            "--tableHost", "127.0.0.1", "--tablePort", Port(TablePort),
            "--disableTelemetry",
            // No access log line per request: at hundreds of requests per second it would cost more than it tells.
            "--silent",
        ];
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        if (SkipsApiVersionCheck)
        {
            // Orleans' providers build Azure SDK clients that speak API versions newer than Azurite knows.
            start.ArgumentList.Add("--skipApiVersionCheck");
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
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            process.Dispose();
            throw new AzuriteNotInstalledException("Node.js (node) is not on PATH; it runs Azurite: install it (README.md, prerequisites) and run ./kcm setup.", e);
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static string Port(int port) => port.ToString(CultureInfo.InvariantCulture);

    private async Task WaitUntilAnsweringAsync(Process process, CancellationToken cancellationToken)
    {
        var stopwatch = Stopwatch.StartNew();
        while (stopwatch.Elapsed < StartTimeout)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException(
                    $"Azurite exited with code {process.ExitCode} before its services answered. Log tail:\n{RecentLog}");
            }

            if (await AnswersAsync(BlobPort, cancellationToken).ConfigureAwait(false)
                && await AnswersAsync(QueuePort, cancellationToken).ConfigureAwait(false)
                && await AnswersAsync(TablePort, cancellationToken).ConfigureAwait(false))
            {
                return;
            }

            await Task.Delay(50, cancellationToken).ConfigureAwait(false);
        }

        throw new TimeoutException($"Azurite's services did not answer within {StartTimeout}. Log tail:\n{RecentLog}");
    }

    private static async Task<bool> AnswersAsync(int port, CancellationToken cancellationToken)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
