using System.Security.Cryptography;
using Kcm.Cluster.Broker;
using Kcm.Silo.Hosting;

namespace Kcm.Cli.Cluster;

/// <summary>
/// <c>kcm cluster up</c>: makes the local cluster match the requested counts. Starts the private broker when none runs,
/// then the silos that are missing (a distiller first when none runs: it makes the cluster's first small model), and
/// waits until every silo is ready. Silos already running stay as they are, so a second run only checks.
/// </summary>
internal sealed class ClusterUp(ClusterLayout layout, TextWriter output)
{
    public async Task<ClusterState> RunAsync(ClusterUpOptions options, CancellationToken cancellationToken)
    {
        if (options.Problems().ToList() is { Count: > 0 } problems)
        {
            throw new ClusterException(string.Join(" ", problems));
        }

        using var held = ClusterLock.Acquire(layout);
        var state = ClusterState.Load(layout) ?? new ClusterState(null, Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)), []);
        var silos = new List<SiloEntry>();
        foreach (var silo in state.Silos)
        {
            if (silo.IsAlive)
            {
                silos.Add(silo);
            }
            else
            {
                output.WriteLine($"{silo.NodeId} (pid {silo.Pid}) is no longer running; it will be started again if needed.");
            }
        }

        var broker = await EnsureBrokerAsync(state.Broker, silos.Count > 0, cancellationToken).ConfigureAwait(false);
        state = state with { Broker = broker, Silos = silos };
        state.Save(layout);

        var launcher = new SiloLauncher(layout, broker.Uri, state.AdminToken, options.SiloArguments);
        var wanted = new (string Role, int Count)[]
        {
            (SiloRoleNames.Distiller, options.Distillers), (SiloRoleNames.Large, options.Large), (SiloRoleNames.Front, options.Fronts),
        };
        if (!silos.Any(s => s.Roles == SiloRoleNames.Distiller))
        {
            // Alone first: with an empty store it trains and publishes the first small model (and the judge) that
            // every other silo then loads instead of training its own.
            var first = launcher.Start(NextNodeId(silos, SiloRoleNames.Distiller), SiloRoleNames.Distiller);
            silos.Add(first);
            state = state with { Silos = [.. silos] };
            state.Save(layout);
            output.WriteLine($"starting {first.NodeId} on {first.Url} (pid {first.Pid}) ...");
            await SiloLauncher.WaitUntilReadyAsync(first, options.ReadyTimeout, cancellationToken).ConfigureAwait(false);
        }

        var started = new List<SiloEntry>();
        foreach (var (role, count) in wanted)
        {
            for (var have = silos.Count(s => s.Roles == role); have < count; have++)
            {
                var silo = launcher.Start(NextNodeId(silos, role), role);
                silos.Add(silo);
                started.Add(silo);
                state = state with { Silos = [.. silos] };
                state.Save(layout);
                output.WriteLine($"starting {silo.NodeId} on {silo.Url} (pid {silo.Pid}) ...");
            }
        }

        await Task.WhenAll(started.Select(s => SiloLauncher.WaitUntilReadyAsync(s, options.ReadyTimeout, cancellationToken))).ConfigureAwait(false);
        Print(state);
        return state;
    }

    private async Task<BrokerEntry> EnsureBrokerAsync(BrokerEntry? recorded, bool silosRunning, CancellationToken cancellationToken)
    {
        if (recorded is { IsAlive: true })
        {
            if (await LocalRabbitMqNode.AnswersAmqpAsync(recorded.AmqpPort, cancellationToken).ConfigureAwait(false))
            {
                return recorded;
            }

            throw new ClusterException($"The cluster's broker (pid {recorded.Pid}) runs but does not answer on port {recorded.AmqpPort}; run 'kcm cluster down' and 'up' again.");
        }

        // Started again on the ports it had: silos still running keep reconnecting to that port and recover on their own.
        output.WriteLine(recorded is not null && silosRunning
            ? $"the broker has stopped while silos run: starting it again on port {recorded.AmqpPort} ..."
            : $"starting RabbitMQ ({layout.BrokerFolder}) ...");
        return await PrivateBroker.StartAsync(layout, recorded, TimeSpan.FromSeconds(90), cancellationToken).ConfigureAwait(false);
    }

    private void Print(ClusterState state)
    {
        output.WriteLine($"broker  {state.Broker!.Uri} (pid {state.Broker.Pid})");
        output.WriteLine($"store   {layout.Store}");
        output.WriteLine($"admin   token {state.AdminToken} (Authorization: Bearer ...)");
        foreach (var silo in state.Silos)
        {
            output.WriteLine($"{silo.NodeId,-14} {silo.Url,-24} {silo.Roles,-10} pid {silo.Pid,-8} log {silo.Log}");
        }

        output.WriteLine($"ready: {state.Silos.Count} silos; 'kcm cluster down' stops them and the broker.");
    }

    /// <summary>The lowest free <c>{role}-{n}</c>.</summary>
    private static string NextNodeId(IReadOnlyList<SiloEntry> silos, string role)
    {
        for (var n = 1; ; n++)
        {
            var id = $"{role}-{n}";
            if (!silos.Any(s => s.NodeId == id))
            {
                return id;
            }
        }
    }
}
