using System.CommandLine;
using Kcm.Cli.Demo;

namespace Kcm.Cli.Commands;

/// <summary>`kcm demo`: the main job (ONNX check, embedded silo, live traffic with distillation, test score, report).</summary>
internal static class DemoCommand
{
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
        var cluster = new Option<bool>("--cluster") { Description = "Run against a local cluster of silo processes over RabbitMQ (the one 'kcm cluster up' started, or one started and stopped for the demo)." };
        var command = new Command(
            "demo",
            "The main job: the large model's test accuracy through ONNX Runtime, then an embedded silo trained on a labelled seed split "
            + "serving the rest of Fashion-MNIST as live traffic while distillation rounds hot-swap the small model, and a report.")
        {
            seedSize, traffic, waves, testSize, batch, concurrency, epochs, recordsPerRound, json, store, quick, cluster,
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

            return await new DemoRun(options).RunAsync().ConfigureAwait(false);
        });
        return command;
    }
}
