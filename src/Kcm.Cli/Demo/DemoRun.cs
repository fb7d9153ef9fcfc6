using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Kcm.Cli.Cluster;
using Kcm.Cli.Commands;
using Kcm.Client;
using Kcm.Contracts;
using Kcm.Core.Data;
using Kcm.Evaluation.Charts;
using Kcm.Models.Sources;
using Kcm.Placement;
using Kcm.Silo.Hosting;
using Spectre.Console;

namespace Kcm.Cli.Demo;

/// <summary>
/// The demo end to end: the large model's test accuracy through ONNX Runtime, then an embedded Orleans silo whose judge
/// and small model learn from the seed split only, live traffic through the Orleans client with distillation and
/// hot-swaps, the test set, and a report.
/// </summary>
internal sealed class DemoRun(DemoOptions options)
{
    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>Runs every phase; 0 when everything worked and the large model matched its card, else 1.</summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> ended the run (a cluster started for it is stopped first).</exception>
    /// <exception cref="ClusterException">The cluster could not be started or used.</exception>
    public async Task<int> RunAsync(CancellationToken cancellationToken = default)
    {
        var started = DateTimeOffset.UtcNow;
        var total = Stopwatch.StartNew();
        var data = AnsiConsole.Status().Start("loading " + (options.DataPath ?? "Fashion-MNIST"), _ => DemoData.Load(options));

        AnsiConsole.MarkupLine("[bold]1. The shipped large model through the C# ONNX Runtime binding[/]");
        var largeCheck = await LargeModelPhase.RunAsync(data.LargeModelPath, data.LargeModelRows, data.HasCard).ConfigureAwait(false);
        var card = data.HasCard ? string.Create(CultureInfo.InvariantCulture, $"{largeCheck.CardAccuracy:P2} on the card: {(largeCheck.Matches ? "match" : "MISMATCH")}") : "no model card";
        AnsiConsole.MarkupLine(Markup.Escape(string.Create(CultureInfo.InvariantCulture,
            $"   test accuracy {largeCheck.MeasuredAccuracy:P2} measured ({largeCheck.Correct:N0}/{largeCheck.Images:N0}), {card}; "
            + $"{largeCheck.ImagesPerSecond:N0} images/s, ONNX Runtime {largeCheck.RuntimeVersion}")));

        var temporaryStore = options.StorePath is null;
        var store = options.StorePath ?? Path.Combine(Path.GetTempPath(), "kcm-demo-" + Guid.NewGuid().ToString("N")[..12]);
        try
        {
            var report = await ServeAsync(started, total, largeCheck, store, data, cancellationToken).ConfigureAwait(false);
            AnsiConsole.Console.WriteTable(DemoReportTable.Create(report));
            var jsonPath = options.JsonPath is { } explicitPath
                ? Path.GetFullPath(explicitPath)
                : KcmPaths.Resolve(Path.Combine(".kcm", $"demo-{started:yyyyMMdd-HHmmss}.json"));
            Directory.CreateDirectory(Path.GetDirectoryName(jsonPath)!);
            await File.WriteAllTextAsync(jsonPath, JsonSerializer.Serialize(report, JsonOptions)).ConfigureAwait(false);
            AnsiConsole.MarkupLine("JSON copy: " + Markup.Escape(jsonPath));
            using (var chart = DemoChart.Create(report))
            {
                var files = ChartFiles.Save(chart, Path.GetDirectoryName(jsonPath)!, Path.GetFileNameWithoutExtension(jsonPath));
                AnsiConsole.MarkupLine("chart: " + Markup.Escape(string.Join(", ", files)));
            }

            if (!largeCheck.Matches)
            {
                AnsiConsole.MarkupLine("[red]The large model's measured test accuracy differs from its card.[/]");
                return 1;
            }

            return 0;
        }
        finally
        {
            if (temporaryStore && Directory.Exists(store))
            {
                Directory.Delete(store, recursive: true);
            }
        }
    }

    private async Task<DemoReport> ServeAsync(
        DateTimeOffset started, Stopwatch total, LargeModelCheck largeCheck, string store, DemoData data, CancellationToken cancellationToken)
    {
        if (options.Cluster)
        {
            return await ServeOnClusterAsync(started, total, largeCheck, data, cancellationToken).ConfigureAwait(false);
        }

        AnsiConsole.MarkupLine(Markup.Escape(string.Create(CultureInfo.InvariantCulture,
            $"2. Embedded Orleans silo: judge and small model trained on the first {data.SeedRows:N0} labelled rows of {data.Source} (store {store})")));
        string[] args =
        [
            "--urls=http://127.0.0.1:0",
            // Free loopback ports: the demo never collides with a `kcm serve` on the default ones.
            "--Kcm:Orleans:SiloPort=0",
            "--Kcm:Orleans:GatewayPort=0",
            // The live bar owns the console; the silo reports only problems (Orleans' start-up advice, e.g. on server GC, is not one).
            "--Logging:LogLevel:Default=Warning",
            "--Logging:LogLevel:Orleans=Error",
            "--Kcm:StorePath=" + store,
            .. SiloSettings(data),
        ];
        await using var silo = SiloHost.CreateEmbedded(args);
        var ready = Stopwatch.StartNew();
        await silo.StartAsync(cancellationToken).ConfigureAwait(false);
        await AnsiConsole.Status().StartAsync("training the judge (KAN) and the first small model (MLP) on the seed split",
            _ => silo.WaitUntilReadyAsync(TimeSpan.FromMinutes(15), cancellationToken)).ConfigureAwait(false);
        var readySeconds = ready.Elapsed.TotalSeconds;
        // Traffic and admin reads go through the Orleans client, as a .NET service's would; the records the silo queued
        // and its per-route latencies come from its own metrics, read in this process.
        using var meters = new SiloMeterReadings(silo.Services);
        await using var client = await KcmClient.ConnectAsync(new KcmClientOptions { LocalGatewayPort = silo.Endpoints.GatewayPort }, cancellationToken).ConfigureAwait(false);
        var target = new OrleansDemoTarget(client, silo.Options.ModelName, meters, $"Orleans gateway 127.0.0.1:{silo.Endpoints.GatewayPort} (HTTP {silo.Addresses[0]})");
        return await RunTrafficAsync(started, total, largeCheck, target, readySeconds, data, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Step 2 in cluster mode: the Orleans cluster of <c>kcm cluster up</c> (Azurite and silo processes; started here
    /// in a temporary folder when none runs, and then stopped at the end). Traffic and every figure go through the
    /// Orleans client, entering at the silos that have no gpu role as a service's clients would (the judge and large
    /// model a silo hop away).
    /// </summary>
    private async Task<DemoReport> ServeOnClusterAsync(
        DateTimeOffset started, Stopwatch total, LargeModelCheck largeCheck, DemoData data, CancellationToken cancellationToken)
    {
        var ready = Stopwatch.StartNew();
        var running = DemoCluster.FindRunning();
        if (running is null)
        {
            var roles = string.Join(", ", ClusterPlan.For(options.Silos).GroupBy(s => s.Roles).Select(g => $"{g.Count()} {g.Key}"));
            AnsiConsole.MarkupLine(Markup.Escape(
                $"2. Orleans cluster: Azurite and {options.Silos} silo processes ({roles}) started in a temporary folder, as kcm cluster up does; "
                + $"the first distiller trains the judge and small model on the first {data.SeedRows:N0} labelled rows of {data.Source}"));
        }
        else
        {
            AnsiConsole.MarkupLine(Markup.Escape($"2. Orleans cluster: the running cluster of {running.Layout.Folder} (kcm cluster up); its own seed and round settings apply"));
        }

        await using var cluster = running ?? await AnsiConsole.Status().StartAsync(
            "starting Azurite and the silos (the first distiller trains the seed models alone first)",
            _ => DemoCluster.StartAsync(options.Silos, [.. SiloSettings(data), .. ClusterSiloSettings()], TimeSpan.FromMinutes(15), cancellationToken)).ConfigureAwait(false);
        var state = cluster.State;
        AnsiConsole.MarkupLine(Markup.Escape($"   {"azurite",-13} blob 127.0.0.1:{state.Azurite!.BlobPort}, queue :{state.Azurite.QueuePort}, table :{state.Azurite.TablePort} (pid {state.Azurite.Pid})"));
        foreach (var silo in state.Silos)
        {
            AnsiConsole.MarkupLine(Markup.Escape($"   {silo.NodeId,-13} {silo.Url,-24} {silo.Roles,-14} gateway 127.0.0.1:{silo.GatewayPort} (pid {silo.Pid})"));
        }

        var entries = state.Silos.Where(s => !s.Roles.Split(',').Contains(SiloRoles.Gpu)).Select(s => s.Gateway).ToList();
        if (entries.Count == 0)
        {
            entries = [.. state.Gateways];
        }

        var clientOptions = new KcmClientOptions { ClusterId = state.ClusterId, ServiceId = state.ServiceId };
        if (state.Tls)
        {
            var tls = ClusterCertificates.In(cluster.Layout.TlsFolder);
            clientOptions.UseTlsFiles(tls.CertificatePath!, tls.KeyPath!, tls.CertificateAuthorityPath!);
        }

        foreach (var gateway in entries)
        {
            clientOptions.Gateways.Add(gateway);
        }

        await using var client = await KcmClient.ConnectAsync(clientOptions, cancellationToken).ConfigureAwait(false);
        var target = await OrleansDemoTarget.ForClusterAsync(
            client, data.ModelName, $"Orleans gateways {string.Join(", ", entries)} (cluster '{state.ClusterId}', {state.Silos.Count} silos)", cancellationToken)
            .ConfigureAwait(false);
        try
        {
            return await RunTrafficAsync(started, total, largeCheck, target, ready.Elapsed.TotalSeconds, data, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            if (cluster.StartedHere)
            {
                // Also after a failure or Ctrl+C: no process of the demo's cluster outlives it.
                var stopping = Stopwatch.StartNew();
                using var said = new StringWriter(CultureInfo.InvariantCulture);
                await cluster.StopAsync(said).ConfigureAwait(false);
                foreach (var line in said.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                {
                    AnsiConsole.MarkupLine(Markup.Escape("   " + line));
                }

                AnsiConsole.MarkupLine(Markup.Escape(string.Create(CultureInfo.InvariantCulture,
                    $"   the cluster started for the demo is stopped (silos, then Azurite) and its folder removed, in {stopping.Elapsed.TotalSeconds:F1} s")));
            }
        }
    }

    /// <summary>Steps 3 and 4 against a ready target: live traffic with distillation, then the test set.</summary>
    private async Task<DemoReport> RunTrafficAsync(
        DateTimeOffset started, Stopwatch total, LargeModelCheck largeCheck, IDemoTarget target, double readySeconds, DemoData data,
        CancellationToken cancellationToken)
    {
        var before = await target.ReadServingAsync(cancellationToken).ConfigureAwait(false);
        AnsiConsole.MarkupLine(Markup.Escape(string.Create(CultureInfo.InvariantCulture,
            $"   ready after {readySeconds:F1} s at {target.Address}: threshold {before.Threshold}, small model v{before.SmallVersion}")));

        AnsiConsole.MarkupLine(Markup.Escape(string.Create(CultureInfo.InvariantCulture,
            $"3. Live traffic: the next {data.Traffic.Count:N0} rows of {data.Source}, unlabelled, {options.Batch} per request, {options.Concurrency} in flight, in {options.Waves} waves; "
            + $"a distillation round every {options.RecordsPerRound:N0} large-model answers, the distiller catching up between waves")));
        var phase = new TrafficPhase(target, options, cancellationToken);
        var catchUp = new DistillerCatchUp(target, data.MinRecords, TimeSpan.FromMinutes(10));
        var traffic = await phase.RunAsync(
            "live traffic", data.Traffic, options.Waves, () => catchUp.WaitAsync(cancellationToken)).ConfigureAwait(false);
        // The test set meets the models distilled from all of the traffic.
        await catchUp.WaitAsync(cancellationToken).ConfigureAwait(false);

        AnsiConsole.MarkupLine(Markup.Escape(string.Create(CultureInfo.InvariantCulture, $"4. Final score: {data.Test.Count:N0} test rows of {data.Source}, never trained or calibrated on")));
        var scored = await phase.RunAsync("test set", data.Test).ConfigureAwait(false);

        var after = await target.ReadServingAsync(cancellationToken).ConfigureAwait(false);
        var rounds = (await target.ReadDistillationAsync(cancellationToken).ConfigureAwait(false)).Rounds;
        return new DemoReport(
            started, options, largeCheck, readySeconds, after.Threshold, traffic, scored, rounds, before.SmallCheckAccuracy, after.SmallVersion,
            after.KeptSmallVersions, total.Elapsed.TotalSeconds);
    }

    /// <summary>The silo settings the demo's options set (the same for the embedded silo and every cluster silo).</summary>
    private string[] SiloSettings(DemoData data) =>
    [
        // The ledger holds at least one round's record ids.
        Setting("Kcm:Distillation:LedgerMaxRecordIds", Math.Max(30_000, options.RecordsPerRound)),
        Setting("Kcm:Distillation:RecordsPerRound", options.RecordsPerRound),
        Setting("Kcm:Distillation:MinRecords", data.MinRecords),
        // Leftovers below a full round are distilled a second after traffic pauses, not five minutes later.
        "--Kcm:Distillation:IntervalSeconds=1",
        // Room for every large-model answer of a wave while the distiller works.
        Setting("Kcm:TeacherQueueCapacity", Math.Max(20_000, options.Traffic)),
        Setting("Kcm:MaxBatchSize", Math.Max(256, options.Batch)),
        .. data.SiloSettings,
    ];

    /// <summary>
    /// Settings only the cluster's silos read: their teacher queue is the Azure Storage queue, whose in-memory buffer
    /// holds a wave's large-model answers while they are packed and sent (the embedded silo's is Kcm:TeacherQueueCapacity).
    /// </summary>
    private string[] ClusterSiloSettings() =>
    [
        Setting("Kcm:AzureStorage:TeacherQueue:BufferCapacity", Math.Max(20_000, options.Traffic)),
    ];

    private static string Setting(string key, int value) => string.Create(CultureInfo.InvariantCulture, $"--{key}={value}");
}
