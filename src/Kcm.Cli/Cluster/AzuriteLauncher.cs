using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Kcm.Models.Sources;

namespace Kcm.Cli.Cluster;

/// <summary>
/// Starts the cluster's Azurite detached (it outlives <c>kcm cluster up</c>) from the copy <c>./kcm setup</c> installs
/// in <c>.native/azurite-3.37.0</c>: its services bound to 127.0.0.1, its data under the cluster folder (<c>--location</c>,
/// so a restart keeps membership, state, reminders, queue and blobs), the cluster's own account through
/// <c>AZURITE_ACCOUNTS</c> in its environment (which also disables the published development account),
/// <c>--skipApiVersionCheck</c> (Orleans' storage clients speak API versions newer than Azurite knows).
/// <c>kcm cluster down</c> stops it with SIGTERM, which saves its data.
/// </summary>
internal static class AzuriteLauncher
{
    /// <summary>The Azurite version <c>./kcm setup</c> installs.</summary>
    public const string Version = "3.37.0";

    /// <summary>Azurite's entry script inside the repository's local npm prefix.</summary>
    public static string EntryScript =>
        Path.Combine(KcmPaths.Home, ".native", $"azurite-{Version}", "node_modules", "azurite", "dist", "src", "azurite.js");

    /// <summary>
    /// Starts Azurite on <paramref name="ports"/> and <paramref name="account"/>, and waits until its blob, queue and table
    /// ports accept connections; throws with its log tail otherwise.
    /// </summary>
    public static async Task<AzuriteEntry> StartAsync(
        ClusterLayout layout, (int Blob, int Queue, int Table) ports, StorageAccount account, TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (!File.Exists(EntryScript))
        {
            throw new ClusterException($"Azurite {Version} is not installed ({EntryScript} is missing): run ./kcm setup.");
        }

        PrivateFile.CreateFolder(layout.AzuriteData);
        PrivateFile.CreateFolder(layout.Logs);
        var (blob, queue, table) = ports;
        PrivateFile.AppendLine(layout.AzuriteLog, $"# {DateTime.UtcNow:O} kcm cluster up: Azurite ({account}) on blob {blob}, queue {queue}, table {table}");
        string[] command =
        [
            "node", EntryScript,
            "--location", layout.AzuriteData,
            "--blobHost", "127.0.0.1", "--blobPort", Port(blob),
            "--queueHost", "127.0.0.1", "--queuePort", Port(queue),
            "--tableHost", "127.0.0.1", "--tablePort", Port(table),
            "--skipApiVersionCheck",
            "--disableTelemetry",
            // No access-log line per request: at hundreds of requests per second it costs more than it tells.
            "--silent",
        ];
        int pid;
        try
        {
            // The account is in the environment, not on the command line: every user can read a process's arguments.
            pid = UnixProcess.StartDetached(
                command, layout.AzuriteLog, new Dictionary<string, string> { [StorageAccount.AzuriteAccountsVariable] = account.AzuriteAccounts }, layout.AzuriteData);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new ClusterException("Could not start Node.js for Azurite: " + e.Message);
        }

        var stopwatch = Stopwatch.StartNew();
        while (!(await AnswersAsync(blob, cancellationToken).ConfigureAwait(false)
            && await AnswersAsync(queue, cancellationToken).ConfigureAwait(false)
            && await AnswersAsync(table, cancellationToken).ConfigureAwait(false)))
        {
            if (!UnixProcess.Exists(pid))
            {
                throw new ClusterException($"Azurite exited before its ports answered (is node on PATH?). Log tail ({layout.AzuriteLog}):\n{LogTail.Of(layout.AzuriteLog)}");
            }

            if (stopwatch.Elapsed > timeout)
            {
                throw new ClusterException($"Azurite's ports did not answer within {timeout.TotalSeconds:0} s. Log tail ({layout.AzuriteLog}):\n{LogTail.Of(layout.AzuriteLog)}");
            }

            await Task.Delay(100, cancellationToken).ConfigureAwait(false);
        }

        return new AzuriteEntry(pid, blob, queue, table, layout.AzuriteData);
    }

    private static string Port(int port) => port.ToString(CultureInfo.InvariantCulture);

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
