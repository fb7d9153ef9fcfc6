using System.Diagnostics;
using Kcm.Silo.Hosting;

namespace Kcm.Cli.Cluster;

/// <summary>Starts <c>kcm serve</c> processes with a node id, roles, the broker and the shared store, and waits until they are ready.</summary>
internal sealed class SiloLauncher(ClusterLayout layout, string brokerUri, string adminToken, IReadOnlyList<string> extraArguments)
{
    /// <summary>Starts one silo on a free loopback port; returns at once (see <see cref="WaitUntilReadyAsync"/>).</summary>
    public SiloEntry Start(string nodeId, string roles)
    {
        Directory.CreateDirectory(layout.Logs);
        var url = $"http://127.0.0.1:{LoopbackPorts.Free()}";
        var log = layout.SiloLog(nodeId);
        File.WriteAllText(log, $"# {DateTime.UtcNow:O} kcm cluster up: {nodeId} ({roles}) on {url}\n");
        var environment = new Dictionary<string, string>
        {
            ["Kcm__Roles"] = roles,
            ["Kcm__NodeId"] = nodeId,
            ["Kcm__RabbitMq__Uri"] = brokerUri,
            ["Kcm__StorePath"] = layout.Store,
            ["Kcm__AdminToken"] = adminToken,
            // Relative model paths resolve under the repository, whatever the working folder.
            ["KCM_HOME"] = SiloPaths.Home,
        };
        // The URL is on the command line so /proc/<pid>/cmdline identifies this silo (see SiloEntry.IsAlive).
        var pid = UnixProcess.StartDetached([.. KcmCommandLine(), "serve", "--urls=" + url, .. extraArguments], log, environment, SiloPaths.Home);
        return new SiloEntry(nodeId, roles, pid, url, log);
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
                throw new ClusterException($"{silo.NodeId} exited before it was ready ('kcm cluster down' stops what did start). Log tail ({silo.Log}):\n{Tail(silo.Log)}");
            }

            if (stopwatch.Elapsed > timeout)
            {
                throw new ClusterException($"{silo.NodeId} was not ready within {timeout.TotalSeconds:0} s ('kcm cluster down' stops what did start). Log tail ({silo.Log}):\n{Tail(silo.Log)}");
            }

            await Task.Delay(250, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>How to run this same CLI: <c>dotnet kcm.dll</c> when run through the dotnet host, else the apphost itself.</summary>
    private static string[] KcmCommandLine()
    {
        var host = Environment.ProcessPath ?? throw new ClusterException("Cannot tell which program is running (no process path).");
        return Path.GetFileNameWithoutExtension(host) == "dotnet" ? [host, typeof(SiloLauncher).Assembly.Location] : [host];
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
