namespace Kcm.Cli.Cluster;

/// <summary>
/// <c>kcm cluster down</c>: stops every silo the state file lists (fronts first, so no new work arrives; SIGTERM lets
/// each drain, SIGKILL after the grace period), then the broker, then deletes the state file. The shared store and the
/// broker's data stay, so the next <c>up</c> starts on the same versions and durable queues.
/// </summary>
internal sealed class ClusterDown(ClusterLayout layout, TextWriter output)
{
    public async Task RunAsync(TimeSpan grace, CancellationToken cancellationToken)
    {
        using var held = ClusterLock.Acquire(layout);
        if (ClusterState.Load(layout) is not { } state)
        {
            output.WriteLine($"No cluster is running ({layout.StateFile} does not exist).");
            return;
        }

        foreach (var group in state.Silos.GroupBy(s => s.Roles switch { "front" => 0, "large" => 1, _ => 2 }).OrderBy(g => g.Key))
        {
            await Task.WhenAll(group.Select(silo => StopSiloAsync(silo, grace, cancellationToken))).ConfigureAwait(false);
        }

        if (state.Broker is { } broker)
        {
            if (broker.IsAlive)
            {
                var killed = await UnixProcess.StopAsync(broker.Pid, TimeSpan.FromSeconds(30), cancellationToken).ConfigureAwait(false);
                output.WriteLine($"RabbitMQ (pid {broker.Pid}) {(killed ? "killed after the grace period" : "stopped")}.");
            }
            else
            {
                output.WriteLine($"RabbitMQ (pid {broker.Pid}) was not running.");
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
