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
using Kcm.Silo.Hosting;
using Spectre.Console;

namespace Kcm.Cli.Demo;

/// <summary>
/// The demo end to end: the large model's test accuracy through the ONNX binding, then an embedded silo whose judge and
/// small model learn from the seed split only, live traffic with distillation and hot-swaps, the test set, and a report.
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
    public async Task<int> RunAsync()
    {
        var started = DateTimeOffset.UtcNow;
        var total = Stopwatch.StartNew();
        var (train, test) = AnsiConsole.Status().Start("loading Fashion-MNIST", _ => (FashionMnist.LoadTrain(), FashionMnist.LoadTest()));
        var testSlice = test.Slice(0, options.TestSize);

        AnsiConsole.MarkupLine("[bold]1. The shipped large model through the C# ONNX Runtime binding[/]");
        var largeCheck = await LargeModelPhase.RunAsync(SiloPaths.Resolve("models/fashion-cnn.onnx"), test).ConfigureAwait(false);
        AnsiConsole.MarkupLine(Markup.Escape(string.Create(CultureInfo.InvariantCulture,
            $"   test accuracy {largeCheck.MeasuredAccuracy:P2} measured ({largeCheck.Correct:N0}/{largeCheck.Images:N0}), {largeCheck.CardAccuracy:P2} on the card: "
            + $"{(largeCheck.Matches ? "match" : "MISMATCH")}; {largeCheck.ImagesPerSecond:N0} images/s, ONNX Runtime {largeCheck.RuntimeVersion}")));

        var temporaryStore = options.StorePath is null;
        var store = options.StorePath ?? Path.Combine(Path.GetTempPath(), "kcm-demo-" + Guid.NewGuid().ToString("N")[..12]);
        try
        {
            var report = await ServeAsync(started, total, largeCheck, store, train, testSlice).ConfigureAwait(false);
            AnsiConsole.Console.WriteTable(DemoReportTable.Create(report));
            var jsonPath = options.JsonPath is { } explicitPath
                ? Path.GetFullPath(explicitPath)
                : SiloPaths.Resolve(Path.Combine(".kcm", $"demo-{started:yyyyMMdd-HHmmss}.json"));
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
        DateTimeOffset started, Stopwatch total, LargeModelCheck largeCheck, string store, Dataset train, Dataset test)
    {
        if (options.Cluster)
        {
            return await ServeOnClusterAsync(started, total, largeCheck, train, test).ConfigureAwait(false);
        }

        AnsiConsole.MarkupLine(Markup.Escape(string.Create(CultureInfo.InvariantCulture,
            $"2. Embedded silo: judge and small model trained on the first {options.SeedSize:N0} labelled training images (store {store})")));
        string[] args =
        [
            "--urls=http://127.0.0.1:0",
            // The live bar owns the console; the silo reports only problems.
            "--Logging:LogLevel:Default=Warning",
            "--Kcm:StorePath=" + store,
            .. SiloSettings(),
        ];
        await using var silo = SiloHost.CreateEmbedded(args);
        var ready = Stopwatch.StartNew();
        await silo.StartAsync().ConfigureAwait(false);
        await AnsiConsole.Status().StartAsync("training the judge (KAN) and the first small model (MLP) on the seed split",
            _ => silo.WaitUntilReadyAsync(TimeSpan.FromMinutes(15))).ConfigureAwait(false);
        var address = silo.Addresses[0];
        using var http = new HttpClient();
        var metrics = new MetricsSource(http, [new Uri(address, KcmRoutes.Metrics)]);
        return await RunTrafficAsync(started, total, largeCheck, address, metrics, ready.Elapsed.TotalSeconds, train, test).ConfigureAwait(false);
    }

    /// <summary>
    /// Step 2 in cluster mode: the local cluster of <c>kcm cluster up</c> (started here when none runs, and then stopped
    /// at the end); traffic goes to its first front, metrics are summed over its fronts and distillers.
    /// </summary>
    private async Task<DemoReport> ServeOnClusterAsync(DateTimeOffset started, Stopwatch total, LargeModelCheck largeCheck, Dataset train, Dataset test)
    {
        // A running `kcm cluster up` cluster is used as it is; otherwise a fresh one (own broker and store, like the
        // embedded default's fresh store) is started in a temporary folder and removed at the end.
        var running = new ClusterLayout(SiloPaths.Resolve(ClusterLayout.DefaultFolder));
        var startedHere = ClusterState.Load(running) is null;
        var layout = startedHere ? new ClusterLayout(Path.Combine(Path.GetTempPath(), "kcm-demo-cluster-" + Guid.NewGuid().ToString("N")[..12])) : running;
        AnsiConsole.MarkupLine(Markup.Escape(startedHere
            ? $"2. Cluster: RabbitMQ and 1 front, 2 large, 1 distiller silo processes started in {layout.Folder} (as kcm cluster up does); "
              + $"the distiller trains the judge and small model on the first {options.SeedSize:N0} labelled training images"
            : $"2. Cluster: the running cluster of {layout.Folder} (kcm cluster up); its own seed and round settings apply"));
        var ready = Stopwatch.StartNew();
        var up = new ClusterUp(layout, TextWriter.Null);
        try
        {
            var state = await AnsiConsole.Status().StartAsync("starting the cluster's silos (a first start trains the seed models)",
                _ => up.RunAsync(new ClusterUpOptions(1, 2, 1, TimeSpan.FromMinutes(15), SiloSettings()), CancellationToken.None)).ConfigureAwait(false);
            foreach (var silo in state.Silos)
            {
                AnsiConsole.MarkupLine(Markup.Escape($"   {silo.NodeId,-14} {silo.Url,-24} {silo.Roles}"));
            }

            var front = new Uri(state.Silos.First(s => s.Roles == SiloRoleNames.Front).Url);
            using var http = new HttpClient();
            var metrics = new MetricsSource(http, [
                .. state.Silos.Where(s => s.Roles is SiloRoleNames.Front or SiloRoleNames.Distiller).Select(s => new Uri(new Uri(s.Url), KcmRoutes.Metrics))]);
            return await RunTrafficAsync(started, total, largeCheck, front, metrics, ready.Elapsed.TotalSeconds, train, test).ConfigureAwait(false);
        }
        finally
        {
            if (startedHere)
            {
                await new ClusterDown(layout, TextWriter.Null).RunAsync(TimeSpan.FromSeconds(15), CancellationToken.None).ConfigureAwait(false);
                Directory.Delete(layout.Folder, recursive: true);
                AnsiConsole.MarkupLine("   the cluster started for the demo is stopped and its folder removed");
            }
        }
    }

    /// <summary>Steps 3 and 4 against a ready front: live traffic with distillation, then the test set.</summary>
    private async Task<DemoReport> RunTrafficAsync(
        DateTimeOffset started, Stopwatch total, LargeModelCheck largeCheck, Uri address, MetricsSource metrics, double readySeconds, Dataset train, Dataset test)
    {
        using var client = new KcmClient(address, new KcmClientOptions { MaxBatchSize = options.Batch, MaxConcurrency = options.Concurrency });
        var before = await client.GetModelAsync().ConfigureAwait(false);
        AnsiConsole.MarkupLine(Markup.Escape(string.Create(CultureInfo.InvariantCulture,
            $"   ready after {readySeconds:F1} s at {address}: threshold {before.Threshold}, small model v{before.SmallModel.CurrentVersion}")));

        AnsiConsole.MarkupLine(Markup.Escape(string.Create(CultureInfo.InvariantCulture,
            $"3. Live traffic: the next {options.Traffic:N0} training images, unlabelled, {options.Batch} per request, {options.Concurrency} in flight, in {options.Waves} waves; "
            + $"a distillation round every {options.RecordsPerRound:N0} large-model answers, the distiller catching up between waves")));
        var phase = new TrafficPhase(client, metrics, options);
        var catchUp = new DistillerCatchUp(metrics, Math.Min(100, options.RecordsPerRound), TimeSpan.FromMinutes(10));
        var traffic = await phase.RunAsync(
            "live traffic", train.Slice(options.SeedSize, options.Traffic), options.Waves, () => catchUp.WaitAsync(CancellationToken.None)).ConfigureAwait(false);
        // The test set meets the models distilled from all of the traffic.
        await catchUp.WaitAsync(CancellationToken.None).ConfigureAwait(false);

        AnsiConsole.MarkupLine(Markup.Escape(string.Create(CultureInfo.InvariantCulture, $"4. Final score: the first {test.Count:N0} test images")));
        var scored = await phase.RunAsync("test set", test).ConfigureAwait(false);

        var after = await client.GetModelAsync().ConfigureAwait(false);
        var rounds = await DistillationCounts.ReadAsync(metrics, CancellationToken.None).ConfigureAwait(false);
        return new DemoReport(
            started, options, largeCheck, readySeconds, after.Threshold, traffic, scored, rounds, CheckAccuracy(before), after.SmallModel.CurrentVersion,
            after.SmallModel.Versions, total.Elapsed.TotalSeconds);
    }

    /// <summary>The silo settings the demo's options set (the same for the embedded silo and every cluster silo).</summary>
    private string[] SiloSettings() =>
    [
        Setting("Kcm:Embedded:SeedSamples", options.SeedSize),
        Setting("Kcm:Embedded:Epochs", options.Epochs),
        Setting("Kcm:Distillation:RecordsPerRound", options.RecordsPerRound),
        Setting("Kcm:Distillation:MinRecords", Math.Min(100, options.RecordsPerRound)),
        // Leftovers below a full round are distilled a second after traffic pauses, not five minutes later.
        "--Kcm:Distillation:IntervalSeconds=1",
        // Room for every large-model answer of a wave while the distiller works.
        Setting("Kcm:TeacherQueueCapacity", Math.Max(20_000, options.Traffic)),
        Setting("Kcm:MaxBatchSize", Math.Max(256, options.Batch)),
    ];

    private static double CheckAccuracy(ModelInfo model) =>
        model.SmallModel.Versions.FirstOrDefault(v => v.Version == model.SmallModel.CurrentVersion)?.CheckAccuracy ?? double.NaN;

    private static string Setting(string key, int value) => string.Create(CultureInfo.InvariantCulture, $"--{key}={value}");
}
