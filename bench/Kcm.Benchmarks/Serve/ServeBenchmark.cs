using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using Kcm.Client;
using Kcm.Contracts;
using Kcm.Core.Data;
using Kcm.Benchmarks.Onnx;
using Kcm.Silo.Hosting;

namespace Kcm.Benchmarks.Serve;

/// <summary>
/// `./kcm bench serve`: one embedded silo (default operating point, distillation off so rounds don't disturb the
/// figures) measured over loopback HTTP with binary encoding, side by side in alternating rounds:
/// KCM vs the same silo forced to the large model (threshold just below 1), large-only through the silo vs bare
/// ONNX Runtime (<see cref="BareSessionLoop"/>) on the pool's batch policy, and small-route latency at batch 1 with one client.
/// </summary>
public static class ServeBenchmark
{
    private const double TargetKcmOverLarge = 2.5;
    private const double TargetSiloOverBare = 0.85;
    private const double TargetSmallP50Ms = 0.5;
    private const double TargetSmallP99Ms = 2.0;
    private static readonly double LargeOnlyThreshold = Math.BitDecrement(1.0);

    public static Command Create()
    {
        var images = new Option<int>("--images") { Description = "Test images per throughput measurement.", DefaultValueFactory = _ => 10_000 };
        var batch = new Option<int>("--batch") { Description = "Samples per infer request.", DefaultValueFactory = _ => 32 };
        var concurrency = new Option<int>("--concurrency") { Description = "Requests in flight.", DefaultValueFactory = _ => 4 };
        var rounds = new Option<int>("--rounds") { Description = "Measurements per configuration; the median is reported.", DefaultValueFactory = _ => 3 };
        var latencySamples = new Option<int>("--latency-samples") { Description = "Batch-1 requests for the small-route latency.", DefaultValueFactory = _ => 3_000 };
        var storePath = new Option<string?>("--store")
        {
            Description = "Serve the judge and small model kept in this model store (e.g. one `./kcm demo --store DIR` distilled) instead of fresh ones trained at start.",
        };
        var command = new Command("serve", "Serving over HTTP: KCM vs large-only throughput, silo vs bare ONNX Runtime, small-route latency.")
        {
            images, batch, concurrency, rounds, latencySamples, storePath,
        };
        command.SetAction((parse, _) => RunAsync(
            parse.GetValue(images), parse.GetValue(batch), parse.GetValue(concurrency), parse.GetValue(rounds), parse.GetValue(latencySamples), parse.GetValue(storePath)));
        return command;
    }

    private static async Task<int> RunAsync(int imageCount, int batch, int concurrency, int rounds, int latencySamples, string? keptStore)
    {
        if (imageCount is < 1 or > 10_000 || batch is < 1 or > 256 || concurrency < 1 || rounds < 1 || latencySamples < 10)
        {
            await Console.Error.WriteLineAsync("--images 1..10000, --batch 1..256, --concurrency >= 1, --rounds >= 1, --latency-samples >= 10.").ConfigureAwait(false);
            return 2;
        }

        var test = FashionMnist.LoadTest().Slice(0, imageCount);
        if (keptStore is not null && !Directory.Exists(keptStore))
        {
            await Console.Error.WriteLineAsync($"--store {keptStore}: no such folder (make one with ./kcm demo --store {keptStore}).").ConfigureAwait(false);
            return 2;
        }

        var store = keptStore is null
            ? Path.Combine(Path.GetTempPath(), "kcm-bench-serve-" + Guid.NewGuid().ToString("N")[..12])
            : Path.GetFullPath(keptStore);
        var token = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
        try
        {
            await using var silo = SiloHost.CreateEmbedded(
            [
                "--urls=http://127.0.0.1:0", "--Logging:LogLevel:Default=Warning", "--Kcm:StorePath=" + store,
                "--Kcm:AdminToken=" + token, "--Kcm:Distillation:Enabled=false",
            ]);
            var ready = Stopwatch.StartNew();
            await silo.StartAsync().ConfigureAwait(false);
            await silo.WaitUntilReadyAsync(TimeSpan.FromMinutes(15)).ConfigureAwait(false);
            var address = silo.Addresses[0];
            using var client = new KcmClient(address, new KcmClientOptions { AdminToken = token, MaxBatchSize = batch, MaxConcurrency = concurrency });
            var defaultThreshold = silo.Options.DefaultThreshold;
            var pool = silo.Options.LargePool;
            var modelPath = SiloPaths.Resolve(new Kcm.Silo.Embedded.EmbeddedModelOptions().LargeModelPath);
            using var bare = new BareSessionLoop(modelPath, intraOpThreads: 1);
            var origin = keptStore is null ? "judge and small model trained at first start" : "judge and small model from the store " + store;
            Console.WriteLine(Invariant($"silo ready in {ready.Elapsed.TotalSeconds:F1} s at {address} ({origin}, distillation off)"));
            Console.WriteLine(Invariant($"{imageCount} test images per measurement, {batch} per request, {concurrency} in flight, binary encoding; {rounds} rounds, median"));
            Console.WriteLine(Invariant($"large pool: batch {pool.MaxBatchSize}, {pool.InstanceCount} instance(s), 1 intra-op thread; {Environment.ProcessorCount} cores"));

            // Warm-up of every path, then alternate the three throughput configurations so drift hits all of them.
            await MeasureSiloAsync(client, test, batch, concurrency).ConfigureAwait(false);
            MeasureBare(bare, test, pool.MaxBatchSize);
            var kcm = new List<Measurement>();
            var largeOnly = new List<Measurement>();
            var bareRuns = new List<double>();
            for (var round = 0; round < rounds; round++)
            {
                await client.SetThresholdAsync(defaultThreshold).ConfigureAwait(false);
                kcm.Add(await MeasureSiloAsync(client, test, batch, concurrency).ConfigureAwait(false));
                await client.SetThresholdAsync(LargeOnlyThreshold).ConfigureAwait(false);
                largeOnly.Add(await MeasureSiloAsync(client, test, batch, concurrency).ConfigureAwait(false));
                bareRuns.Add(MeasureBare(bare, test, pool.MaxBatchSize));
            }

            await client.SetThresholdAsync(defaultThreshold).ConfigureAwait(false);
            var (smallP50, smallP99, smallCount) = await MeasureSmallLatencyAsync(client, test, kcm[^1].SmallIndices, latencySamples).ConfigureAwait(false);

            var kcmRate = Median(kcm.Select(m => m.SamplesPerSecond));
            var largeRate = Median(largeOnly.Select(m => m.SamplesPerSecond));
            var bareRate = Median(bareRuns);
            Console.WriteLine();
            Console.WriteLine(Invariant($"{"configuration",-44} {"samples/s",10} {"large share",12} {"accuracy",9}"));
            Console.WriteLine(Invariant($"{"KCM over HTTP (epsilon " + defaultThreshold + ")",-44} {kcmRate,10:N0} {kcm[^1].LargeShare,12:P1} {kcm[^1].Accuracy,9:P2}"));
            Console.WriteLine(Invariant($"{"large only over HTTP (epsilon 1 - 2^-53)",-44} {largeRate,10:N0} {largeOnly[^1].LargeShare,12:P1} {largeOnly[^1].Accuracy,9:P2}"));
            Console.WriteLine(Invariant($"{"bare InferenceSession (batch " + pool.MaxBatchSize + ", 1 thread)",-44} {bareRate,10:N0} {1.0,12:P1} {"",9}"));
            Console.WriteLine();
            Console.WriteLine(Invariant($"{"ratio / figure",-44} {"measured",10} {"target",12}  verdict"));
            Verdict("KCM / large-only throughput", kcmRate / largeRate, $">= {TargetKcmOverLarge}", kcmRate / largeRate >= TargetKcmOverLarge, "F2");
            Verdict("large-only silo / bare ONNX throughput", largeRate / bareRate, $">= {TargetSiloOverBare}", largeRate / bareRate >= TargetSiloOverBare, "F2");
            Verdict($"small route p50 latency, ms (batch 1, n={smallCount})", smallP50, $"< {TargetSmallP50Ms}", smallP50 < TargetSmallP50Ms, "F3");
            Verdict($"small route p99 latency, ms (batch 1, n={smallCount})", smallP99, $"< {TargetSmallP99Ms}", smallP99 < TargetSmallP99Ms, "F3");
            return 0;
        }
        finally
        {
            if (keptStore is null && Directory.Exists(store))
            {
                Directory.Delete(store, recursive: true);
            }
        }
    }

    private static async Task<Measurement> MeasureSiloAsync(KcmClient client, Dataset data, int batch, int concurrency)
    {
        var routes = new InferenceRoute[data.Count];
        var labels = new int[data.Count];
        var batches = (data.Count + batch - 1) / batch;
        var stopwatch = Stopwatch.StartNew();
        await Parallel.ForEachAsync(Enumerable.Range(0, batches), new ParallelOptions { MaxDegreeOfParallelism = concurrency }, async (b, token) =>
        {
            var first = b * batch;
            var size = Math.Min(batch, data.Count - first);
            var response = await client.InferAsync(data.Features.AsMemory(first * data.FeatureCount, size * data.FeatureCount), size, cancellationToken: token)
                .ConfigureAwait(false);
            for (var i = 0; i < size; i++)
            {
                routes[first + i] = response.Results[i].Route;
                labels[first + i] = response.Results[i].Label;
            }
        }).ConfigureAwait(false);
        var seconds = stopwatch.Elapsed.TotalSeconds;
        var small = new List<int>();
        var correct = 0;
        for (var i = 0; i < data.Count; i++)
        {
            if (routes[i] == InferenceRoute.Small)
            {
                small.Add(i);
            }

            correct += labels[i] == data.Labels[i] ? 1 : 0;
        }

        return new Measurement(data.Count / seconds, 1.0 - (double)small.Count / data.Count, (double)correct / data.Count, small);
    }

    /// <summary>The pool's policy without the silo: one session, one thread, full batches of the pool's size, back to back.</summary>
    private static double MeasureBare(BareSessionLoop session, Dataset data, int batch)
    {
        var logits = new float[batch * data.ClassCount];
        var stopwatch = Stopwatch.StartNew();
        for (var first = 0; first < data.Count; first += batch)
        {
            var size = Math.Min(batch, data.Count - first);
            session.Measure(data.Features.AsMemory(first * data.FeatureCount, size * data.FeatureCount), size, logits, iterations: 1);
        }

        return data.Count / stopwatch.Elapsed.TotalSeconds;
    }

    /// <summary>One client, one sample per request, only samples the judge sent to the small model; the first 10% warm up.</summary>
    private static async Task<(double P50, double P99, int Count)> MeasureSmallLatencyAsync(KcmClient client, Dataset data, List<int> smallIndices, int samples)
    {
        if (smallIndices.Count == 0)
        {
            return (double.NaN, double.NaN, 0);
        }

        var warmUp = samples / 10;
        var latencies = new List<double>(samples);
        var offRoute = 0;
        for (var n = 0; n < warmUp + samples; n++)
        {
            var index = smallIndices[n % smallIndices.Count];
            var started = Stopwatch.GetTimestamp();
            var response = await client.InferAsync(data.Features.AsMemory(index * data.FeatureCount, data.FeatureCount), 1).ConfigureAwait(false);
            var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            if (response.Results[0].Route != InferenceRoute.Small)
            {
                offRoute++;
                continue;
            }

            if (n >= warmUp)
            {
                latencies.Add(elapsed);
            }
        }

        if (offRoute > 0)
        {
            Console.WriteLine($"note: {offRoute} batch-1 requests went to the large route and were left out of the small-route latency");
        }

        latencies.Sort();
        return (Percentile(latencies, 50), Percentile(latencies, 99), latencies.Count);
    }

    private static void Verdict(string name, double value, string target, bool met, string format) =>
        Console.WriteLine(Invariant($"{name,-44} {value.ToString(format, CultureInfo.InvariantCulture),10} {target,12}  {(met ? "met" : "NOT MET")}"));

    private static double Percentile(List<double> sorted, double p) =>
        sorted.Count == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(p / 100 * sorted.Count) - 1, 0, sorted.Count - 1)];

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    private sealed record Measurement(double SamplesPerSecond, double LargeShare, double Accuracy, List<int> SmallIndices);
}
