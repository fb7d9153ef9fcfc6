using System.CommandLine;
using System.Runtime.InteropServices;
using Kcm.Cli.Cluster;
using Kcm.Cli.Demo;

namespace Kcm.Cli.Commands;

/// <summary>
/// `kcm demo`: the main job (ONNX check, embedded Orleans silo or the local Orleans cluster, live traffic through the
/// Orleans client with distillation, test score, report). It handles Ctrl+C and SIGTERM itself (Program leaves them to
/// it): the run is cancelled and a cluster started for it is stopped before the process exits; a second signal ends the
/// process at once.
/// </summary>
internal static class DemoCommand
{
    /// <summary>The command's name.</summary>
    public const string Name = "demo";

    public static Command Create()
    {
        var defaults = new DemoOptions();
        var seedSize = new Option<int?>("--seed-size") { Description = $"Labelled training images the judge and first small model learn from (default {defaults.SeedSize})." };
        var traffic = new Option<int?>("--traffic") { Description = $"Unlabelled training images streamed after the seed split (default {defaults.Traffic})." };
        var testSize = new Option<int?>("--test-size") { Description = $"Test images scored at the end (default {defaults.TestSize})." };
        var waves = new Option<int?>("--waves") { Description = $"Waves the traffic is sent in, the distiller catching up between them (default {defaults.Waves})." };
        var batch = new Option<int?>("--batch") { Description = $"Samples per infer request (default {defaults.Batch})." };
        var concurrency = new Option<int?>("--concurrency") { Description = $"Requests in flight (default {defaults.Concurrency})." };
        var epochs = new Option<int?>("--epochs") { Description = $"Training epochs of the judge and first small model (default {defaults.Epochs})." };
        var recordsPerRound = new Option<int?>("--records-per-round") { Description = $"Large-model answers per distillation round (default {defaults.RecordsPerRound})." };
        var json = new Option<string?>("--json") { Description = "Where to write the JSON copy of the report (default .kcm/demo-<time>.json)." };
        var store = new Option<string?>("--store") { Description = "Model store folder to use and keep (default: a fresh temporary folder, deleted afterwards)." };
        var quick = new Option<bool>("--quick") { Description = "Small scale (seed 3000, traffic 9000 in 2 waves, test 2000, 2 epochs, a round every 2000): about a minute." };
        var cluster = new Option<bool>("--cluster")
        {
            Description = "Run on the local Orleans cluster through the Orleans client: the one 'kcm cluster up' left running (its own settings apply), "
                + "else Azurite and silo processes (--silos) started in a temporary folder and stopped afterwards.",
        };
        var silos = new Option<int?>("--silos")
        {
            Description = $"With --cluster, when no cluster runs: silo processes to start, half gpu, half cpu,distiller (default {defaults.Silos}; 1 has every role).",
        };
        var data = new Option<string?>("--data")
        {
            Description = "A labelled data set of yours instead of Fashion-MNIST (CSV, R or IDX; needs --large-model): the silo splits off its calibration and "
                + "check rows at the end, and the rows before them are 40 % seed, 40 % traffic, 20 % test; sizes and epochs come from the data.",
        };
        var largeModel = new Option<string?>("--large-model") { Description = "The --data set's large model (ONNX)." };
        var labelColumn = new Option<string?>("--label-column") { Description = "The --data set's label column (CSV index, -1 = last; R name)." };
        var command = new Command(
            Name,
            "The main job: the large model's test accuracy through ONNX Runtime, then an embedded Orleans silo trained on a labelled seed split "
            + "serving the rest of Fashion-MNIST through the Orleans client as live traffic while distillation rounds hot-swap the small model, and a report.")
        {
            seedSize, traffic, waves, testSize, batch, concurrency, epochs, recordsPerRound, json, store, quick, cluster, silos, data, largeModel, labelColumn,
        };
        command.SetAction(async (parse, _) =>
        {
            var start = parse.GetValue(quick) ? DemoOptions.Quick : defaults;
            var seed = parse.GetValue(seedSize) ?? start.SeedSize;
            var options = start with
            {
                SeedSize = seed,
                // Unless given, the traffic is what the seed split leaves of the training set (capped by the starting point's traffic).
                Traffic = parse.GetValue(traffic) ?? Math.Min(start.Traffic, 60_000 - seed),
                TestSize = parse.GetValue(testSize) ?? start.TestSize,
                Waves = parse.GetValue(waves) ?? start.Waves,
                Batch = parse.GetValue(batch) ?? start.Batch,
                Concurrency = parse.GetValue(concurrency) ?? start.Concurrency,
                Epochs = parse.GetValue(epochs) ?? start.Epochs,
                RecordsPerRound = parse.GetValue(recordsPerRound) ?? start.RecordsPerRound,
                JsonPath = parse.GetValue(json),
                StorePath = parse.GetValue(store),
                Cluster = parse.GetValue(cluster),
                Silos = parse.GetValue(silos) ?? start.Silos,
                DataPath = parse.GetValue(data),
                LargeModelPath = parse.GetValue(largeModel),
                LabelColumn = parse.GetValue(labelColumn),
            };
            try
            {
                options.Validate();
            }
            catch (ArgumentException e)
            {
                await Console.Error.WriteLineAsync(e.Message).ConfigureAwait(false);
                return 2;
            }

            using var stop = new CancellationTokenSource();
            using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, context => Stop(context, stop));
            using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context => Stop(context, stop));
            try
            {
                return await new DemoRun(options).RunAsync(stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                await Console.Error.WriteLineAsync("kcm demo: stopped" + (options.Cluster ? " (a cluster started for the demo is stopped)." : ".")).ConfigureAwait(false);
                return 130;
            }
            catch (ClusterException e)
            {
                await Console.Error.WriteLineAsync("kcm demo: " + e.Message).ConfigureAwait(false);
                return 1;
            }
        });
        return command;
    }

    /// <summary>The first signal cancels the run (which then cleans up); a second one is left to end the process.</summary>
    private static void Stop(PosixSignalContext context, CancellationTokenSource stop)
    {
        if (stop.IsCancellationRequested)
        {
            return;
        }

        context.Cancel = true;
        stop.Cancel();
    }
}
