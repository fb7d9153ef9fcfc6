namespace Kcm.Cli.Cluster;

/// <summary>
/// <c>kcm cluster down</c>: stops every silo the state file lists (SIGTERM: each drains its HTTP requests and leaves the
/// cluster, handing its grains and reminders over; SIGKILL after the grace period), then Azurite (SIGTERM, so it saves
/// its data), then deletes the state file. Azurite's data and the model store stay, so the next <c>up</c> starts on
/// the same versions, queue and reminders.
/// </summary>
internal sealed class ClusterDown(ClusterLayout layout, TextWriter output)
{
    private static readonly TimeSpan AzuriteGrace = TimeSpan.FromSeconds(30);

    public async Task RunAsync(TimeSpan grace, CancellationToken cancellationToken)
    {
        using var held = ClusterLock.Acquire(layout.Folder);
        if (ClusterState.Load(layout) is not { } state)
        {
            output.WriteLine($"No cluster is running ({layout.StateFile} does not exist).");
            return;
        }

        await Task.WhenAll(state.Silos.Select(silo => StopSiloAsync(silo, grace, cancellationToken))).ConfigureAwait(false);
        if (state.Azurite is { } azurite)
        {
            if (azurite.IsAlive)
            {
                var killed = await UnixProcess.StopAsync(azurite.Pid, AzuriteGrace, cancellationToken).ConfigureAwait(false);
                output.WriteLine($"Azurite (pid {azurite.Pid}) {(killed ? "killed after the grace period" : "stopped")}.");
            }
            else
            {
                output.WriteLine($"Azurite (pid {azurite.Pid}) was not running.");
            }
        }

        File.Delete(layout.StateFile);
        output.WriteLine("cluster down.");
    }

    private async Task StopSiloAsync(SiloEntry silo, TimeSpan grace, CancellationToken cancellationToken)
    {
        if (!silo.IsAlive)
        {
            output.WriteLine($"{silo.NodeId} (pid {silo.Pid}) was not running.");
            return;
        }

        var killed = await UnixProcess.StopAsync(silo.Pid, grace, cancellationToken).ConfigureAwait(false);
        output.WriteLine($"{silo.NodeId} (pid {silo.Pid}) {(killed ? "killed after the grace period" : "stopped")}.");
    }
}
