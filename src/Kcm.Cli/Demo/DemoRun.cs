using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Kcm.Client;
using Kcm.Contracts;
using Kcm.Core.Data;
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
        if (Console.IsOutputRedirected)
        {
            // CI logs: plain text, no colours or cursor movement, lines wide enough for the live descriptions.
            AnsiConsole.Console = AnsiConsole.Create(new AnsiConsoleSettings
            {
                Ansi = AnsiSupport.No, ColorSystem = ColorSystemSupport.NoColors, Interactive = InteractionSupport.No,
            });
            AnsiConsole.Profile.Width = 140;
        }

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
            AnsiConsole.Write(DemoReportTable.Create(report));
            var jsonPath = options.JsonPath is { } explicitPath
                ? Path.GetFullPath(explicitPath)
                : SiloPaths.Resolve(Path.Combine(".kcm", $"demo-{started:yyyyMMdd-HHmmss}.json"));
            Directory.CreateDirectory(Path.GetDirectoryName(jsonPath)!);
            await File.WriteAllTextAsync(jsonPath, JsonSerializer.Serialize(report, JsonOptions)).ConfigureAwait(false);
            AnsiConsole.MarkupLine("JSON copy: " + Markup.Escape(jsonPath));
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
        AnsiConsole.MarkupLine(Markup.Escape(string.Create(CultureInfo.InvariantCulture,
            $"2. Embedded silo: judge and small model trained on the first {options.SeedSize:N0} labelled training images (store {store})")));
        string[] args =
        [
            "--urls=http://127.0.0.1:0",
            // The live bar owns the console; the silo reports only problems.
            "--Logging:LogLevel:Default=Warning",
            "--Kcm:StorePath=" + store,
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
        await using var silo = SiloHost.CreateEmbedded(args);
        var ready = Stopwatch.StartNew();
        await silo.StartAsync().ConfigureAwait(false);
        await AnsiConsole.Status().StartAsync("training the judge (KAN) and the first small model (MLP) on the seed split",
            _ => silo.WaitUntilReadyAsync(TimeSpan.FromMinutes(15))).ConfigureAwait(false);
        var readySeconds = ready.Elapsed.TotalSeconds;
        var address = silo.Addresses[0];
        using var client = new KcmClient(address, new KcmClientOptions { MaxBatchSize = options.Batch, MaxConcurrency = options.Concurrency });
        using var http = new HttpClient { BaseAddress = address };
        var metrics = new Uri(address, KcmRoutes.Metrics);
        var before = await client.GetModelAsync().ConfigureAwait(false);
        AnsiConsole.MarkupLine(Markup.Escape(string.Create(CultureInfo.InvariantCulture,
            $"   ready after {readySeconds:F1} s at {address}: threshold {before.Threshold}, small model v{before.SmallModel.CurrentVersion}")));

        AnsiConsole.MarkupLine(Markup.Escape(string.Create(CultureInfo.InvariantCulture,
            $"3. Live traffic: the next {options.Traffic:N0} training images, unlabelled, {options.Batch} per request, {options.Concurrency} in flight, in {options.Waves} waves; "
            + $"a distillation round every {options.RecordsPerRound:N0} large-model answers, the distiller catching up between waves")));
        var phase = new TrafficPhase(client, http, metrics, options);
        var catchUp = new DistillerCatchUp(http, metrics, Math.Min(100, options.RecordsPerRound), TimeSpan.FromMinutes(10));
        var traffic = await phase.RunAsync(
            "live traffic", train.Slice(options.SeedSize, options.Traffic), options.Waves, () => catchUp.WaitAsync(CancellationToken.None)).ConfigureAwait(false);
        // The test set meets the models distilled from all of the traffic.
        await catchUp.WaitAsync(CancellationToken.None).ConfigureAwait(false);

        AnsiConsole.MarkupLine(Markup.Escape(string.Create(CultureInfo.InvariantCulture, $"4. Final score: the first {test.Count:N0} test images")));
        var scored = await phase.RunAsync("test set", test).ConfigureAwait(false);

        var after = await client.GetModelAsync().ConfigureAwait(false);
        var rounds = await DistillationCounts.ReadAsync(http, metrics, CancellationToken.None).ConfigureAwait(false);
        return new DemoReport(
            started, options, largeCheck, readySeconds, after.Threshold, traffic, scored, rounds, CheckAccuracy(before), after.SmallModel.CurrentVersion,
            after.SmallModel.Versions, total.Elapsed.TotalSeconds);
    }

    private static double CheckAccuracy(ModelInfo model) =>
        model.SmallModel.Versions.FirstOrDefault(v => v.Version == model.SmallModel.CurrentVersion)?.CheckAccuracy ?? double.NaN;

    private static string Setting(string key, int value) => string.Create(CultureInfo.InvariantCulture, $"--{key}={value}");
}
