using Kcm.Cli.Cluster;
using Kcm.Models.Sources;

namespace Kcm.Cli.Demo;

/// <summary>
/// The Orleans cluster <c>kcm demo --cluster</c> runs on: the one <c>kcm cluster up</c> left running in the default
/// folder, used as it is; else a fresh one (Azurite and silo processes, as <c>kcm cluster up</c> starts them) in a
/// temporary folder, which <see cref="DisposeAsync"/> stops (silos, then Azurite) and deletes, also after a failure or
/// Ctrl+C.
/// </summary>
internal sealed class DemoCluster : IAsyncDisposable
{
    /// <summary>How long each silo gets to stop after SIGTERM before SIGKILL.</summary>
    private static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(15);

    private bool _stopped;

    private DemoCluster(ClusterLayout layout, ClusterState state, bool startedHere)
    {
        Layout = layout;
        State = state;
        StartedHere = startedHere;
    }

    /// <summary>The cluster's folder (state file, Azurite's data, logs).</summary>
    public ClusterLayout Layout { get; }

    /// <summary>What runs: Azurite, the silos, their gateways, the cluster and service ids.</summary>
    public ClusterState State { get; }

    /// <summary>Whether the demo started this cluster (and so stops it).</summary>
    public bool StartedHere { get; }

    /// <summary>The default folder's running cluster (<c>kcm cluster up</c>), or null when none is recorded there.</summary>
    /// <exception cref="ClusterException">A cluster is recorded there but some of its processes have stopped.</exception>
    public static DemoCluster? FindRunning()
    {
        var layout = new ClusterLayout(KcmPaths.Resolve(ClusterLayout.DefaultFolder));
        if (ClusterState.Load(layout) is not { } state)
        {
            return null;
        }

        var stopped = state.Silos.Where(s => !s.IsAlive).Select(s => s.NodeId).ToList();
        if (state.Azurite is not { IsAlive: true })
        {
            stopped.Insert(0, "azurite");
        }

        // Its own settings and size are the user's: the demo neither restarts nor resizes it.
        return stopped.Count > 0
            ? throw new ClusterException(
                $"The cluster of {layout.Folder} is recorded as running, but {string.Join(", ", stopped)} stopped: "
                + "run 'kcm cluster up' to start them again (or 'kcm cluster down' to stop it), then the demo.")
            : new DemoCluster(layout, state, startedHere: false);
    }

    /// <summary>
    /// Starts a cluster of <paramref name="silos"/> silos in a fresh temporary folder, each given
    /// <paramref name="siloArguments"/>; whatever started is stopped again when the start fails or is cancelled.
    /// </summary>
    public static async Task<DemoCluster> StartAsync(int silos, IReadOnlyList<string> siloArguments, TimeSpan readyTimeout, CancellationToken cancellationToken)
    {
        var layout = new ClusterLayout(Path.Combine(Path.GetTempPath(), "kcm-demo-cluster-" + Guid.NewGuid().ToString("N")[..12]));
        try
        {
            var state = await new ClusterUp(layout, TextWriter.Null)
                .RunAsync(new ClusterUpOptions(silos, readyTimeout, siloArguments), cancellationToken).ConfigureAwait(false);
            return new DemoCluster(layout, state, startedHere: true);
        }
        catch
        {
            await StopAndRemoveAsync(layout, TextWriter.Null).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Stops and removes the cluster when the demo started it (once; what <c>kcm cluster down</c> says goes to
    /// <paramref name="output"/>); a running one the demo found stays as it is.
    /// </summary>
    public async Task StopAsync(TextWriter output)
    {
        if (StartedHere && !_stopped)
        {
            _stopped = true;
            await StopAndRemoveAsync(Layout, output).ConfigureAwait(false);
        }
    }

    /// <summary>As <see cref="StopAsync"/>, quietly, unless it was stopped already.</summary>
    public async ValueTask DisposeAsync() => await StopAsync(TextWriter.Null).ConfigureAwait(false);

    /// <summary>
    /// Stops whatever the state file lists (never cancelled: a half-stopped cluster would leave processes behind) and
    /// deletes the folder (a silo log may be kept open a moment by a process that was killed).
    /// </summary>
    private static async Task StopAndRemoveAsync(ClusterLayout layout, TextWriter output)
    {
        await new ClusterDown(layout, output).RunAsync(StopGrace, CancellationToken.None).ConfigureAwait(false);
        if (Directory.Exists(layout.Folder))
        {
            Directory.Delete(layout.Folder, recursive: true);
        }
    }
}
