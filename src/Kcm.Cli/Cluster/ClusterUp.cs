using System.Security.Cryptography;
using Kcm.Silo.Hosting;

namespace Kcm.Cli.Cluster;

/// <summary>
/// <c>kcm cluster up</c>: makes the local Orleans cluster match the requested size. Starts Azurite when it does not run,
/// then the silos that are missing (the first distiller alone first when no distiller runs: it makes the cluster's
/// first models), and waits until every silo is ready. Silos already running stay as they are, so a second run only
/// checks, or starts again what has died. Returns the state, whose <see cref="ClusterState.Gateways"/> an Orleans
/// client connects to. The cluster keeps its secrets: Azurite runs on an account of its own, the admin token and the
/// storage connection are written to files of mode 0600 and never printed, every socket is on 127.0.0.1, and the
/// cluster's name (Orleans cluster and service id), ports and folder are its own, so clusters run side by side; a
/// clash with another (its folder running on other ports, a requested port in use) is refused before anything starts.
/// With <c>--tls</c> every Orleans connection is mutual TLS under the cluster's own authority.
/// </summary>
internal sealed class ClusterUp(ClusterLayout layout, TextWriter output)
{
    private static readonly TimeSpan AzuriteStartTimeout = TimeSpan.FromSeconds(60);

    /// <summary>How long a local cluster's member certificate lasts; <c>up</c> makes new ones a day before it expires (when no silo runs).</summary>
    private static readonly TimeSpan CertificateLifetime = TimeSpan.FromDays(90);

    public async Task<ClusterState> RunAsync(ClusterUpOptions options, CancellationToken cancellationToken)
    {
        if (options.Problems().ToList() is { Count: > 0 } problems)
        {
            throw new ClusterException(string.Join(" ", problems));
        }

        using var held = ClusterLock.Acquire(layout.Folder);
        var recorded = ClusterState.Load(layout);
        var running = new List<SiloEntry>();
        foreach (var silo in recorded?.Silos ?? [])
        {
            if (silo.IsAlive)
            {
                running.Add(silo);
            }
            else
            {
                output.WriteLine($"{silo.NodeId} (pid {silo.Pid}) is no longer running; it will be started again if needed.");
            }
        }

        var azuriteAlive = recorded?.Azurite is { IsAlive: true };
        var firstPort = FirstPort(options, recorded, running.Count > 0 || azuriteAlive);
        var tls = Tls(options, recorded, running.Count > 0);
        var block = firstPort is { } first ? new PortBlock(first) : null;
        var missing = ClusterPlan.For(options.Silos).Where(p => !running.Any(s => s.NodeId == p.NodeId)).ToList();
        (int Blob, int Queue, int Table)? azuritePorts = azuriteAlive ? null : AzuritePorts(block, recorded?.Azurite, running.Count > 0);
        RefuseBusyPorts(block, azuritePorts, missing, options.Silos);

        var state = (recorded ?? new ClusterState(null, "", layout.Name, layout.Name, [])) with
        {
            AdminToken = AdminToken(),
            Account = Account(azuriteAlive),
            ClusterId = layout.Name,
            ServiceId = layout.Name,
            FirstPort = firstPort,
            Tls = tls,
        };
        if (tls)
        {
            Certificates(running.Count > 0);
        }

        if (azuritePorts is { } ports)
        {
            output.WriteLine(recorded?.Azurite is not null && running.Count > 0
                ? $"Azurite has stopped while silos run: starting it again on its ports ({layout.AzuriteData}) ..."
                : $"starting Azurite ({layout.AzuriteData}) ...");
            state = state with { Azurite = await AzuriteLauncher.StartAsync(layout, ports, state.Account!, AzuriteStartTimeout, cancellationToken).ConfigureAwait(false) };
        }

        // Rewritten on every run: Azurite's ports may have changed. Mode 0600, never printed.
        PrivateFile.Write(layout.StorageConnectionFile, state.StorageConnection);
        if (running.Count == 0)
        {
            // No silo of this cluster runs, so every membership row is stale; rows of silos that were killed stay
            // Active, and a joining silo would wait to reach them. The cluster starts on a clean partition.
            var cleared = await MembershipTable.ClearAsync(state.StorageConnection, state.ClusterId, cancellationToken).ConfigureAwait(false);
            if (cleared > 0)
            {
                output.WriteLine($"cleared {cleared} membership rows of silos that no longer run.");
            }
        }

        state = state with { Silos = [.. running] };
        state.Save(layout);

        var launcher = new SiloLauncher(layout, state, options.SiloArguments);
        var firstDistiller = missing.FirstOrDefault(p => p.IsDistiller);
        if (firstDistiller is not null && !running.Any(s => s.Roles.Split(',').Contains(Kcm.Placement.SiloRoles.Distiller)))
        {
            // Alone first: with an empty store it trains and publishes the first small model (and the judge) that
            // every other silo then loads instead of training its own.
            var firstSilo = Start(launcher, firstDistiller, recorded, ref state);
            missing.Remove(firstDistiller);
            await SiloLauncher.WaitUntilReadyAsync(firstSilo, options.ReadyTimeout, cancellationToken).ConfigureAwait(false);
        }

        var started = new List<SiloEntry>();
        foreach (var planned in missing)
        {
            started.Add(Start(launcher, planned, recorded, ref state));
        }

        await Task.WhenAll(started.Select(s => SiloLauncher.WaitUntilReadyAsync(s, options.ReadyTimeout, cancellationToken))).ConfigureAwait(false);
        Print(state);
        return state;
    }

    /// <summary>
    /// The port block of this run: the requested one, or the one the running cluster was started on. A folder whose
    /// cluster runs cannot move to other ports: that is a clash, refused with what runs there.
    /// </summary>
    private int? FirstPort(ClusterUpOptions options, ClusterState? recorded, bool clusterRuns)
    {
        if (clusterRuns && options.FirstPort is { } requested && requested != recorded!.FirstPort)
        {
            var where = recorded.FirstPort is { } first ? $"on ports from {first}" : "on ports the kernel chose";
            throw new ClusterException(
                $"The cluster in {layout.Folder} already runs (silos running: {recorded.Silos.Count(s => s.IsAlive)}, Azurite blob port {recorded.Azurite?.BlobPort}, {where}); "
                + $"--port {requested} asks for others. Stop it first ('kcm cluster down --folder {layout.Folder}'), or start a second cluster in another --folder.");
        }

        return options.FirstPort ?? recorded?.FirstPort;
    }

    /// <summary>
    /// Whether this run's silos use TLS: as asked, or as the running silos were started (a cluster cannot mix the two).
    /// <c>--tls</c> on a cluster that runs without it is a clash, refused before anything starts.
    /// </summary>
    private bool Tls(ClusterUpOptions options, ClusterState? recorded, bool silosRun)
    {
        if (!silosRun)
        {
            return options.Tls;
        }

        if (options.Tls && !recorded!.Tls)
        {
            throw new ClusterException(
                $"The cluster in {layout.Folder} runs without TLS; --tls asks for it. Stop it first ('kcm cluster down --folder {layout.Folder}'), then 'kcm cluster up --tls'.");
        }

        return recorded!.Tls;
    }

    /// <summary>
    /// The folder's certificates, kept while valid for at least another day; else a new authority and member
    /// (<see cref="ClusterCertificates"/>), which only a cluster with no silo running may take: its silos trust the old one.
    /// </summary>
    private void Certificates(bool silosRun)
    {
        if (ClusterCertificates.ValidUntil(layout.TlsFolder) is { } until && until > DateTimeOffset.UtcNow.AddDays(1))
        {
            return;
        }

        if (silosRun)
        {
            throw new ClusterException(
                $"The TLS certificates in {layout.TlsFolder} are missing or expire within a day, and the running silos trust only their authority: "
                + $"'kcm cluster down --folder {layout.Folder}', then 'kcm cluster up --tls' makes new ones.");
        }

        ClusterCertificates.Create(layout.TlsFolder, layout.Name, CertificateLifetime);
        output.WriteLine($"made a certificate authority for {layout.Name} and its member certificate in {layout.TlsFolder} (valid {CertificateLifetime.TotalDays:0} days).");
    }

    /// <summary>
    /// Where Azurite starts: the block's ports; the recorded ones when silos still use them (they reconnect to the same
    /// ports) or when they are free (nothing needs to change); else free ones.
    /// </summary>
    private static (int Blob, int Queue, int Table) AzuritePorts(PortBlock? block, AzuriteEntry? previous, bool silosRun)
    {
        if (block is not null)
        {
            return (block.AzuriteBlob, block.AzuriteQueue, block.AzuriteTable);
        }

        if (previous is not null && (silosRun
            || (LoopbackPorts.IsFree(previous.BlobPort) && LoopbackPorts.IsFree(previous.QueuePort) && LoopbackPorts.IsFree(previous.TablePort))))
        {
            return (previous.BlobPort, previous.QueuePort, previous.TablePort);
        }

        return (LoopbackPorts.Free(), LoopbackPorts.Free(), LoopbackPorts.Free());
    }

    /// <summary>Refuses, before anything starts, every port this run must bind that something else already holds, naming the holder.</summary>
    private void RefuseBusyPorts(PortBlock? block, (int Blob, int Queue, int Table)? azurite, IReadOnlyList<PlannedSilo> missing, int silos)
    {
        var needed = new List<(int Port, string Use)>();
        if (azurite is { } ports)
        {
            needed.AddRange([(ports.Blob, "Azurite blob"), (ports.Queue, "Azurite queue"), (ports.Table, "Azurite table")]);
        }

        if (block is not null)
        {
            foreach (var planned in missing)
            {
                needed.AddRange(
                [
                    (block.Http(planned.Slot), $"{planned.NodeId} HTTP"),
                    (block.Silo(planned.Slot), $"{planned.NodeId} silo-to-silo"),
                    (block.Gateway(planned.Slot), $"{planned.NodeId} gateway"),
                ]);
            }
        }

        var busy = needed.Where(n => !LoopbackPorts.IsFree(n.Port)).ToList();
        if (busy.Count == 0)
        {
            return;
        }

        var what = string.Join("; ", busy.Select(b => $"port {b.Port} ({b.Use}) is in use by {PortHolder.Describe(b.Port)}"));
        var remedy = block is not null
            ? $"this cluster needs 127.0.0.1:{block.First}-{block.Last(silos)}: choose another --port (or none: free ports), or stop what holds them."
            : "its silos use those ports: stop what holds them, or 'kcm cluster down' and up again on free ports.";
        throw new ClusterException($"Port clash for the cluster in {layout.Folder}: {what}. Nothing was started; {remedy}");
    }

    /// <summary>The admin token of the folder (kept across <c>down</c>, so running silos and scripts keep it), or a new random one; written mode 0600.</summary>
    private string AdminToken()
    {
        var token = PrivateFile.ReadOrNull(layout.AdminTokenFile)?.Trim() is { Length: >= 16 } kept
            ? kept
            : Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        PrivateFile.Write(layout.AdminTokenFile, token);
        return token;
    }

    /// <summary>
    /// The folder's storage account (kept across <c>down</c>: Azurite's data belongs to it), or a new random one. An
    /// Azurite that runs without one was started by an older kcm on the published development key: refused.
    /// </summary>
    private StorageAccount Account(bool azuriteAlive)
    {
        if (PrivateFile.ReadOrNull(layout.StorageConnectionFile) is { } connection && StorageAccount.FromConnectionString(connection) is { } kept)
        {
            return kept;
        }

        if (azuriteAlive)
        {
            throw new ClusterException(
                $"The Azurite of {layout.Folder} runs without an account of its own (an older kcm started it on the published development key): "
                + $"stop the cluster with 'kcm cluster down --folder {layout.Folder}' and start it again.");
        }

        return StorageAccount.CreateRandom();
    }

    private SiloEntry Start(SiloLauncher launcher, PlannedSilo planned, ClusterState? recorded, ref ClusterState state)
    {
        var silo = launcher.Start(planned, recorded?.Silos.FirstOrDefault(s => s.NodeId == planned.NodeId));
        state = state with { Silos = [.. state.Silos, silo] };
        state.Save(layout);
        output.WriteLine($"starting {silo.NodeId} ({silo.Roles}) on {silo.Url}, gateway 127.0.0.1:{silo.GatewayPort} (pid {silo.Pid}) ...");
        return silo;
    }

    /// <summary>What runs and where the secrets are; never a secret itself.</summary>
    private void Print(ClusterState state)
    {
        var azurite = state.Azurite!;
        output.WriteLine($"azurite  pid {azurite.Pid}, blob 127.0.0.1:{azurite.BlobPort}, queue :{azurite.QueuePort}, table :{azurite.TablePort}, data {azurite.Location}");
        output.WriteLine($"storage  account {state.Account!.Name}; connection string in {layout.StorageConnectionFile} (mode 0600)");
        output.WriteLine($"store    {layout.Store}");
        output.WriteLine($"admin    token in {layout.AdminTokenFile} (mode 0600): Authorization: Bearer $(cat {layout.AdminTokenFile})");
        foreach (var silo in state.Silos)
        {
            output.WriteLine($"{silo.NodeId,-13} {silo.Url,-24} {silo.Roles,-14} gateway 127.0.0.1:{silo.GatewayPort,-6} pid {silo.Pid,-8} log {silo.Log}");
        }

        if (state.Tls)
        {
            var tls = ClusterCertificates.In(layout.TlsFolder);
            output.WriteLine($"tls      mutual TLS on every silo and gateway port; a client presents {tls.CertificatePath} with {tls.KeyPath} and trusts {tls.CertificateAuthorityPath} "
                + "(KcmClientOptions.UseTlsFiles; mode 0600)");
        }

        output.WriteLine($"http     {state.Silos[0].Url} (any silo serves the HTTP API)");
        output.WriteLine($"gateways {string.Join(',', state.Gateways)} (KcmClientOptions.Gateways; cluster id '{state.ClusterId}', service id '{state.ServiceId}')");
        output.WriteLine($"ready: {state.Silos.Count} silos; 'kcm cluster down --folder {layout.Folder}' stops them and Azurite (the data stays in {layout.Folder}).");
    }
}
