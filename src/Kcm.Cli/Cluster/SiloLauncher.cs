using System.Diagnostics;
using System.Globalization;
using Kcm.Models.Sources;
using Kcm.Silo.Hosting;

namespace Kcm.Cli.Cluster;

/// <summary>
/// Starts <c>kcm cluster-silo</c> processes, each one Orleans silo whose configuration makes it a member of the cluster
/// on the storage account (roles, ports on 127.0.0.1, name, connection string, shared model store, admin token), and
/// waits until they are ready. Everything but the URL reaches the silo through its environment, which only its owner can
/// read; the command line (which every user can read) carries no secret.
/// </summary>
internal sealed class SiloLauncher(ClusterLayout layout, ClusterState cluster, IReadOnlyList<string> extraArguments)
{
    /// <summary>
    /// Starts one silo; returns at once (see <see cref="WaitUntilReadyAsync"/>). With a <see cref="ClusterState.FirstPort"/>
    /// its ports are its slot's in that block; otherwise <paramref name="previous"/> (the same node that died) keeps its
    /// ports when they are free (Orleans then retires the dead incarnation's membership row itself), or free ones are taken.
    /// </summary>
    public SiloEntry Start(PlannedSilo planned, SiloEntry? previous)
    {
        PrivateFile.CreateFolder(layout.Logs);
        var block = cluster.FirstPort is { } first ? new PortBlock(first) : null;
        var siloPort = block?.Silo(planned.Slot) ?? ReusableOrFree(previous?.SiloPort);
        var gatewayPort = block?.Gateway(planned.Slot) ?? ReusableOrFree(previous?.GatewayPort);
        var url = $"http://127.0.0.1:{block?.Http(planned.Slot) ?? ReusableOrFree(previous is null ? null : new Uri(previous.Url).Port)}";
        var log = layout.SiloLog(planned.NodeId);
        PrivateFile.AppendLine(log, $"# {DateTime.UtcNow:O} kcm cluster up: {planned.NodeId} ({planned.Roles}) on {url}, silo port {siloPort}, gateway {gatewayPort}");
        var environment = new Dictionary<string, string>
        {
            ["Kcm__Roles"] = planned.Roles,
            ["Kcm__Orleans__SiloName"] = planned.NodeId,
            // Silo-to-silo and gateway sockets on loopback only (these are the defaults: set so no appsettings.json can widen them).
            ["Kcm__Orleans__Address"] = "127.0.0.1",
            ["Kcm__Orleans__ListenOnAnyAddress"] = "false",
            ["Kcm__Orleans__SiloPort"] = siloPort.ToString(CultureInfo.InvariantCulture),
            ["Kcm__Orleans__GatewayPort"] = gatewayPort.ToString(CultureInfo.InvariantCulture),
            ["Kcm__Orleans__ClusterId"] = cluster.ClusterId,
            ["Kcm__Orleans__ServiceId"] = cluster.ServiceId,
            ["Kcm__AzureStorage__ConnectionString"] = cluster.StorageConnection,
            ["Kcm__StorePath"] = layout.Store,
            ["Kcm__AdminToken"] = cluster.AdminToken,
            // Relative model paths resolve under the repository, whatever the working folder.
            ["KCM_HOME"] = KcmPaths.Home,
        };
        if (cluster.Tls)
        {
            var tls = Kcm.Silo.Hosting.ClusterCertificates.In(layout.TlsFolder);
            environment["Kcm__Orleans__Tls__CertificatePath"] = tls.CertificatePath!;
            environment["Kcm__Orleans__Tls__KeyPath"] = tls.KeyPath!;
            environment["Kcm__Orleans__Tls__CertificateAuthorityPath"] = tls.CertificateAuthorityPath!;
        }

        // The URL is on the command line so /proc/<pid>/cmdline identifies this silo (see SiloEntry.IsAlive).
        var pid = UnixProcess.StartDetached([.. KcmCommandLine(), Commands.ClusterSiloCommand.Name, "--urls=" + url, .. extraArguments], log, environment, KcmPaths.Home);
        return new SiloEntry(planned.NodeId, planned.Roles, pid, url, siloPort, gatewayPort, log);
    }

    /// <summary>Polls <c>/readyz</c> until 200; throws with the log tail when the process exits or the timeout passes.</summary>
    public static async Task WaitUntilReadyAsync(SiloEntry silo, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var stopwatch = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                using var response = await http.GetAsync(new Uri(silo.Url + "/readyz"), cancellationToken).ConfigureAwait(false);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
            {
                // Not listening yet.
            }

            // By pid alone: it was started moments ago (no recycling yet), and while setsid and the shell exec into
            // dotnet, /proc/<pid>/cmdline can briefly read empty.
            if (!UnixProcess.Exists(silo.Pid))
            {
                throw new ClusterException($"{silo.NodeId} exited before it was ready ('kcm cluster down' stops what did start). Log tail ({silo.Log}):\n{LogTail.Of(silo.Log)}");
            }

            if (stopwatch.Elapsed > timeout)
            {
                throw new ClusterException($"{silo.NodeId} was not ready within {timeout.TotalSeconds:0} s ('kcm cluster down' stops what did start). Log tail ({silo.Log}):\n{LogTail.Of(silo.Log)}");
            }

            await Task.Delay(250, cancellationToken).ConfigureAwait(false);
        }
    }

    private static int ReusableOrFree(int? port) => port is { } recorded && LoopbackPorts.IsFree(recorded) ? recorded : LoopbackPorts.Free();

    /// <summary>How to run this same CLI: <c>dotnet kcm.dll</c> when run through the dotnet host, else the apphost itself.</summary>
    private static string[] KcmCommandLine()
    {
        var host = Environment.ProcessPath ?? throw new ClusterException("Cannot tell which program is running (no process path).");
        return Path.GetFileNameWithoutExtension(host) == "dotnet" ? [host, typeof(SiloLauncher).Assembly.Location] : [host];
    }
}
