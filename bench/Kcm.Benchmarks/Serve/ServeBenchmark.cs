using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Runtime;
using Kcm.Benchmarks.Onnx;
using Kcm.Client;
using Kcm.Core.Data;
using Kcm.Grains.Hosting;
using Kcm.Models.Sources;
using Kcm.Silo.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace Kcm.Benchmarks.Serve;

/// <summary>
/// `./kcm bench serve`: one embedded Orleans silo (default operating point, distillation off so rounds don't disturb the
/// figures) measured through the Orleans client on its gateway and through the HTTP API (binary encoding), both over
/// loopback, side by side in alternating rounds: KCM vs the same silo forced to the large model (threshold just below
/// 1), large-only through the silo vs bare ONNX Runtime (<see cref="BareSessionLoop"/>) on the pool's batch policy, and
/// small-route latency at batch 1 with one client.
/// </summary>
public static class ServeBenchmark
{
    /// <summary>Issue 18's throughput target: KCM at least 3x large-only, at most 0.1 accuracy points below it.</summary>
    private const double TargetKcmOverLarge = 3.0;

    private const double TargetAccuracyPointsBelowLarge = 0.1;
    private const double TargetSiloOverBare = 0.9;
    private const double TargetSmallP50Ms = 0.3;
    private const double TargetSmallP99Ms = 2.0;

    /// <summary>The JIT's share of a warm-up round below which the silo's code counts as compiled.</summary>
    private const double WarmJitShare = 0.02;

    private const int MaxWarmUpRounds = 6;

    /// <summary>Latency requests per path before switching to the other, so drift on the machine hits both alike.</summary>
    private const int LatencyBlock = 100;

    private static readonly double LargeOnlyThreshold = Math.BitDecrement(1.0);

    public static Command Create()
    {
        var images = new Option<int>("--images") { Description = "Test images per throughput measurement.", DefaultValueFactory = _ => 10_000 };
        var batch = new Option<int>("--batch") { Description = "Samples per request.", DefaultValueFactory = _ => 32 };
        var concurrency = new Option<int>("--concurrency") { Description = "Requests in flight.", DefaultValueFactory = _ => 4 };
        var rounds = new Option<int>("--rounds") { Description = "Measurements per configuration and path; the median is reported.", DefaultValueFactory = _ => 3 };
        var latencySamples = new Option<int>("--latency-samples") { Description = "Batch-1 requests per path for the small-route latency.", DefaultValueFactory = _ => 3_000 };
        var storePath = new Option<string?>("--store")
        {
            Description = "Serve the judge and small model kept in this model store (e.g. one `./kcm demo --store DIR` distilled) instead of fresh ones trained at start.",
        };
        var command = new Command(
            "serve",
            "Serving through the Orleans client and over HTTP, side by side: KCM vs large-only throughput, silo vs bare ONNX Runtime, small-route latency. "
            + "Silo settings pass through as --Kcm:<Name>=<value> (e.g. --Kcm:LargePool:MaxBatchSize=32).")
        {
            images, batch, concurrency, rounds, latencySamples, storePath,
        };
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction((parse, _) => RunAsync(
            parse.GetValue(images), parse.GetValue(batch), parse.GetValue(concurrency), parse.GetValue(rounds), parse.GetValue(latencySamples), parse.GetValue(storePath),
            parse.UnmatchedTokens));
        return command;
    }

    private static async Task<int> RunAsync(
        int imageCount, int batch, int concurrency, int rounds, int latencySamples, string? keptStore, IReadOnlyList<string> siloSettings)
    {
        if (siloSettings.FirstOrDefault(token => !token.StartsWith("--Kcm:", StringComparison.Ordinal)) is { } unknown)
        {
            await Console.Error.WriteLineAsync($"Unknown argument '{unknown}': silo settings are --Kcm:<Name>=<value>.").ConfigureAwait(false);
            return 2;
        }

        if (imageCount is < 1 or > 10_000 || batch is < 1 or > 256 || concurrency < 1 || rounds < 1 || latencySamples < 10)
        {
            await Console.Error.WriteLineAsync("--images 1..10000, --batch 1..256, --concurrency >= 1, --rounds >= 1, --latency-samples >= 10.").ConfigureAwait(false);
            return 2;
        }

        if (keptStore is not null && !Directory.Exists(keptStore))
        {
            await Console.Error.WriteLineAsync($"--store {keptStore}: no such folder (make one with ./kcm demo --store {keptStore}).").ConfigureAwait(false);
            return 2;
        }

        var test = FashionMnist.LoadTest().Slice(0, imageCount);
        var store = keptStore is null
            ? Path.Combine(Path.GetTempPath(), "kcm-bench-serve-" + Guid.NewGuid().ToString("N")[..12])
            : Path.GetFullPath(keptStore);
        try
        {
            // The benchmark changes the threshold, an admin call: its silo and client share a token of their own.
            var adminToken = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));
            await using var silo = SiloHost.CreateEmbedded(
            [
                "--Kcm:AdminToken=" + adminToken, "--urls=http://127.0.0.1:0", "--Kcm:Orleans:SiloPort=0", "--Kcm:Orleans:GatewayPort=0",
                "--Logging:LogLevel:Default=Warning", "--Kcm:StorePath=" + store, "--Kcm:Distillation:Enabled=false",
                .. siloSettings,
            ]);
            var ready = Stopwatch.StartNew();
            await silo.StartAsync().ConfigureAwait(false);
            await silo.WaitUntilReadyAsync(TimeSpan.FromMinutes(15)).ConfigureAwait(false);
            var model = silo.Options.ModelName;
            await using var orleans = await KcmClient.ConnectAsync(new KcmClientOptions { LocalGatewayPort = silo.Endpoints.GatewayPort, AdminToken = adminToken }).ConfigureAwait(false);
            // One pooled connection per request in flight, as any HTTP client in another language would keep.
            using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = concurrency })
            {
                BaseAddress = silo.Addresses[0], Timeout = TimeSpan.FromMinutes(2),
            };
            IServePath[] paths = [new OrleansServePath(orleans, model), new HttpServePath(http, model)];

            var serving = silo.Services.GetRequiredService<ServingOptions>();
            var models = silo.Services.GetRequiredService<EmbeddedModelOptions>();
            var pool = serving.LargePool;
            using var bare = new BareSessionLoop(KcmPaths.Resolve(models.LargeModelPath), models.IntraOpThreads);
            var origin = keptStore is null ? "judge and small model trained at first start" : "judge and small model from the store " + store;
            Console.WriteLine(Invariant($"silo ready in {ready.Elapsed.TotalSeconds:F1} s ({origin}, distillation off): Orleans gateway 127.0.0.1:{silo.Endpoints.GatewayPort}, HTTP {silo.Addresses[0]}"));
            Console.WriteLine(Invariant($"{imageCount} test images per measurement, {batch} per request, {concurrency} in flight; HTTP with binary encoding; {rounds} rounds, median"));
            if (siloSettings.Count > 0)
            {
                Console.WriteLine("silo settings: " + string.Join(' ', siloSettings));
            }

            var gc = GCSettings.IsServerGC ? "server" : "workstation";
            Console.WriteLine(Invariant(
                $"large pool: batch {pool.MaxBatchSize}, {pool.InstanceCount} instance(s), {models.IntraOpThreads} intra-op thread(s); {Environment.ProcessorCount} cores, {gc} GC; load average {LoadAverage()}"));

            var batches = ServeBatches.Cut(test, batch);
            // KCM runs at the threshold the silo calibrated for its models (docs/kcm.md), read once before any is set here.
            var calibrated = (await orleans.ClassifyAsync(model, batches.Batches[0].AsSpan(0, batches.Data.FeatureCount).ToArray(), 1).ConfigureAwait(false)).Threshold;
            Console.WriteLine(Invariant($"calibrated threshold {calibrated} ({silo.Services.GetRequiredService<ThresholdCalibrationOptions>().Describe()})"));
            var warmUp = await WarmUpAsync(paths, orleans, model, calibrated, batches, concurrency).ConfigureAwait(false);
            Console.WriteLine(Invariant($"warm-up: {warmUp.Rounds} round(s) of every configuration on both paths, {warmUp.Seconds:F1} s, until the JIT took under {WarmJitShare:P0} of a round"));
            MeasureBare(bare, test, pool.MaxBatchSize);
            // Alternate configurations and paths so drift on the machine hits all of them.
            var kcm = paths.ToDictionary(p => p, _ => new List<ServeMeasurement>());
            var largeOnly = paths.ToDictionary(p => p, _ => new List<ServeMeasurement>());
            var bareRuns = new List<(double SamplesPerSecond, double CpuMicrosecondsPerSample)>();
            for (var round = 0; round < rounds; round++)
            {
                // Each round starts its paths in the other order.
                var order = round % 2 == 0 ? paths : [.. paths.Reverse()];
                await SetThresholdAsync(orleans, model, calibrated, batches).ConfigureAwait(false);
                foreach (var path in order)
                {
                    kcm[path].Add(await MeasureAsync(path, batches, concurrency).ConfigureAwait(false));
                }

                await SetThresholdAsync(orleans, model, LargeOnlyThreshold, batches).ConfigureAwait(false);
                foreach (var path in order)
                {
                    largeOnly[path].Add(await MeasureAsync(path, batches, concurrency).ConfigureAwait(false));
                }

                bareRuns.Add(MeasureBare(bare, test, pool.MaxBatchSize));
            }

            await SetThresholdAsync(orleans, model, calibrated, batches).ConfigureAwait(false);
            var latency = await MeasureSmallLatencyAsync(paths, test, kcm[paths[0]][^1].SmallRows, latencySamples).ConfigureAwait(false);

            var bareRate = Median(bareRuns.Select(r => r.SamplesPerSecond));
            Console.WriteLine();
            Console.WriteLine(Invariant($"{"configuration",-52} {"samples/s",10} {"large share",12} {"accuracy",9} {"CPU us/sample",14}"));
            foreach (var path in paths)
            {
                var last = kcm[path][^1];
                Console.WriteLine(Invariant($"{$"KCM, {path.Name} (epsilon {calibrated})",-52} {Median(kcm[path].Select(m => m.SamplesPerSecond)),10:N0} {last.LargeShare,12:P1} {last.Accuracy,9:P2} {Median(kcm[path].Select(m => m.CpuMicrosecondsPerSample)),14:F1}"));
            }

            foreach (var path in paths)
            {
                var last = largeOnly[path][^1];
                Console.WriteLine(Invariant($"{$"large only, {path.Name} (epsilon 1 - 2^-53)",-52} {Median(largeOnly[path].Select(m => m.SamplesPerSecond)),10:N0} {last.LargeShare,12:P1} {last.Accuracy,9:P2} {Median(largeOnly[path].Select(m => m.CpuMicrosecondsPerSample)),14:F1}"));
            }

            Console.WriteLine(Invariant($"{$"bare InferenceSession (batch {pool.MaxBatchSize}, {models.IntraOpThreads} thread)",-52} {bareRate,10:N0} {1.0,12:P1} {"",9} {Median(bareRuns.Select(r => r.CpuMicrosecondsPerSample)),14:F1}"));
            Console.WriteLine();
            Console.WriteLine(Invariant($"{"small route, batch 1, one client",-52} {"p50 ms",10} {"p99 ms",12} {"requests",9}"));
            foreach (var path in paths)
            {
                var (p50, p99, count) = latency[path];
                Console.WriteLine(Invariant($"{path.Name,-52} {p50,10:F3} {p99,12:F3} {count,9}"));
            }

            Console.WriteLine();
            Console.WriteLine(Invariant($"{"ratio / figure",-52} {"measured",10} {"target",12}  verdict"));
            foreach (var path in paths)
            {
                var largeRate = Median(largeOnly[path].Select(m => m.SamplesPerSecond));
                Verdict($"large-only silo ({path.Name}) / bare ONNX Runtime", largeRate / bareRate, $">= {TargetSiloOverBare}", largeRate / bareRate >= TargetSiloOverBare, "F2");
            }

            foreach (var path in paths)
            {
                var (p50, p99, _) = latency[path];
                Verdict($"small route p50 latency, ms ({path.Name})", p50, $"< {TargetSmallP50Ms}", p50 < TargetSmallP50Ms, "F3");
                Verdict($"small route p99 latency, ms ({path.Name})", p99, $"< {TargetSmallP99Ms}", p99 < TargetSmallP99Ms, "F3");
            }

            foreach (var path in paths)
            {
                var largeRate = Median(largeOnly[path].Select(m => m.SamplesPerSecond));
                var ratio = Median(kcm[path].Select(m => m.SamplesPerSecond)) / largeRate;
                Verdict($"KCM / large-only throughput ({path.Name})", ratio, $">= {TargetKcmOverLarge}", ratio >= TargetKcmOverLarge, "F2");

                // What caps that ratio, so a miss says whether the router or the serving cost is short. The large pool
                // answers the share of KCM's rows that it answers of large-only's, so with the same pool KCM serves at
                // most 1 / share times as many; and every core busy at KCM's CPU cost per sample serves cores / cost.
                var share = kcm[path][^1].LargeShare;
                var coresRate = Environment.ProcessorCount * 1e6 / Median(kcm[path].Select(m => m.CpuMicrosecondsPerSample));
                Console.WriteLine(Invariant($"{$"  ceiling: 1 / large share ({share:P1})",-52} {1 / share,10:F2}"));
                Console.WriteLine(Invariant($"{$"  ceiling: {Environment.ProcessorCount} cores at KCM's CPU cost per sample",-52} {coresRate / largeRate,10:F2}"));
                var pointsBelow = 100 * (largeOnly[path][^1].Accuracy - kcm[path][^1].Accuracy);
                Verdict($"KCM accuracy points below large-only ({path.Name})", pointsBelow, $"<= {TargetAccuracyPointsBelowLarge}", pointsBelow <= TargetAccuracyPointsBelowLarge, "F2");
            }

            var orleansKcm = Median(kcm[paths[0]].Select(m => m.SamplesPerSecond));
            var httpKcm = Median(kcm[paths[1]].Select(m => m.SamplesPerSecond));
            Console.WriteLine(Invariant($"{"KCM throughput, Orleans client / HTTP",-52} {orleansKcm / httpKcm,10:F2}"));
            Console.WriteLine(Invariant($"load average at the end: {LoadAverage()}"));
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

    /// <summary>
    /// Runs both thresholds on both paths until the JIT is done with the silo's code: tiered compilation recompiles
    /// thousands of methods (Orleans, ASP.NET Core, serialization) for seconds after start, on the same two cores,
    /// while the bare loop is a handful of methods. Stops when a round spent under <see cref="WarmJitShare"/> of its time
    /// compiling, or after <see cref="MaxWarmUpRounds"/> rounds.
    /// </summary>
    private static async Task<(int Rounds, double Seconds)> WarmUpAsync(
        IServePath[] paths, KcmClient client, string model, double threshold, ServeBatches batches, int concurrency)
    {
        var total = Stopwatch.StartNew();
        for (var round = 1; ; round++)
        {
            var jitBefore = System.Runtime.JitInfo.GetCompilationTime();
            var clock = Stopwatch.StartNew();
            foreach (var epsilon in new[] { threshold, LargeOnlyThreshold })
            {
                await SetThresholdAsync(client, model, epsilon, batches).ConfigureAwait(false);
                foreach (var path in paths)
                {
                    await MeasureAsync(path, batches, concurrency).ConfigureAwait(false);
                }
            }

            var jitShare = (System.Runtime.JitInfo.GetCompilationTime() - jitBefore) / clock.Elapsed;
            if (jitShare < WarmJitShare || round == MaxWarmUpRounds)
            {
                return (round, total.Elapsed.TotalSeconds);
            }
        }
    }

    /// <summary>Publishes <paramref name="threshold"/> through the registry and waits until the silo's snapshot serves it.</summary>
    private static async Task SetThresholdAsync(KcmClient client, string model, double threshold, ServeBatches batches)
    {
        await client.SetThresholdAsync(model, threshold).ConfigureAwait(false);
        var until = Stopwatch.StartNew();
        var probe = batches.Batches[0].AsSpan(0, batches.Data.FeatureCount).ToArray();
        while ((await client.ClassifyAsync(model, probe, 1).ConfigureAwait(false)).Threshold != threshold)
        {
            if (until.Elapsed > TimeSpan.FromSeconds(30))
            {
                throw new TimeoutException($"The silo did not serve threshold {threshold} within 30 s of its publish.");
            }

            await Task.Delay(10).ConfigureAwait(false);
        }
    }

    private static async Task<ServeMeasurement> MeasureAsync(IServePath path, ServeBatches batches, int concurrency)
    {
        var data = batches.Data;
        var small = new bool[data.Count];
        var labels = new int[data.Count];
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var stopwatch = Stopwatch.StartNew();
        await Parallel.ForEachAsync(Enumerable.Range(0, batches.Batches.Length), new ParallelOptions { MaxDegreeOfParallelism = concurrency }, (b, token) =>
            new ValueTask(path.ClassifyAsync(batches.Batches[b], batches.RowsOf(b), labels, small, b * batches.BatchSize, token))).ConfigureAwait(false);
        var seconds = stopwatch.Elapsed.TotalSeconds;
        var cpuPerSample = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMicroseconds / data.Count;
        var smallRows = new List<int>();
        var correct = 0;
        for (var i = 0; i < data.Count; i++)
        {
            if (small[i])
            {
                smallRows.Add(i);
            }

            correct += labels[i] == data.Labels[i] ? 1 : 0;
        }

        return new ServeMeasurement(data.Count / seconds, cpuPerSample, 1.0 - (double)smallRows.Count / data.Count, (double)correct / data.Count, [.. smallRows]);
    }

    /// <summary>The pool's policy without the silo: one session, full batches of the pool's size, back to back.</summary>
    private static (double SamplesPerSecond, double CpuMicrosecondsPerSample) MeasureBare(BareSessionLoop session, Dataset data, int batch)
    {
        var logits = new float[batch * data.ClassCount];
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var stopwatch = Stopwatch.StartNew();
        for (var first = 0; first < data.Count; first += batch)
        {
            var size = Math.Min(batch, data.Count - first);
            session.Measure(data.Features.AsMemory(first * data.FeatureCount, size * data.FeatureCount), size, logits, iterations: 1);
        }

        var seconds = stopwatch.Elapsed.TotalSeconds;
        return (data.Count / seconds, (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMicroseconds / data.Count);
    }

    /// <summary>
    /// One client, one sample per request, only samples the judge sent to the small model; the paths take turns in
    /// blocks of <see cref="LatencyBlock"/> requests; each path's first 10 % warm up.
    /// </summary>
    private static async Task<Dictionary<IServePath, (double P50, double P99, int Count)>> MeasureSmallLatencyAsync(
        IServePath[] paths, Dataset data, int[] smallRows, int samples)
    {
        if (smallRows.Length == 0)
        {
            return paths.ToDictionary(p => p, _ => (double.NaN, double.NaN, 0));
        }

        var rows = smallRows.Select(i => data.Features.AsSpan(i * data.FeatureCount, data.FeatureCount).ToArray()).ToArray();
        var warmUp = samples / 10;
        var latencies = paths.ToDictionary(p => p, _ => new List<double>(samples));
        var offRoute = paths.ToDictionary(p => p, _ => 0);
        var label = new int[1];
        var small = new bool[1];
        for (var from = 0; from < warmUp + samples; from += LatencyBlock)
        {
            foreach (var path in paths)
            {
                for (var n = from; n < Math.Min(from + LatencyBlock, warmUp + samples); n++)
                {
                    var started = Stopwatch.GetTimestamp();
                    await path.ClassifyAsync(rows[n % rows.Length], 1, label, small, 0, CancellationToken.None).ConfigureAwait(false);
                    var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                    if (!small[0])
                    {
                        offRoute[path]++;
                    }
                    else if (n >= warmUp)
                    {
                        latencies[path].Add(elapsed);
                    }
                }
            }
        }

        foreach (var path in paths.Where(p => offRoute[p] > 0))
        {
            Console.WriteLine($"note: {offRoute[path]} batch-1 requests ({path.Name}) went to the large route and were left out of the small-route latency");
        }

        return paths.ToDictionary(p => p, p =>
        {
            var sorted = latencies[p];
            sorted.Sort();
            return (Percentile(sorted, 50), Percentile(sorted, 99), sorted.Count);
        });
    }

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";

    private static void Verdict(string name, double value, string target, bool met, string format) =>
        Console.WriteLine(Invariant($"{name,-52} {value.ToString(format, CultureInfo.InvariantCulture),10} {target,12}  {(met ? "met" : "NOT MET")}"));

    private static double Percentile(List<double> sorted, double p) =>
        sorted.Count == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(p / 100 * sorted.Count) - 1, 0, sorted.Count - 1)];

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
