using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Kcm.Client;
using Kcm.Core.Data;

namespace Kcm.Benchmarks.Cluster;

/// <summary>
/// `./kcm bench cluster`: a local cluster of processes (1 front, 2 large, 1 distiller over a private RabbitMQ, started
/// with `kcm cluster up`) against an embedded silo process serving the same judge and small model version (a copy of
/// the cluster's store), side by side in alternating rounds: throughput and latency at the default threshold and with
/// every sample on the large route, and the extra latency the broker adds to one large-path request. Both run on this
/// machine's cores, so it measures the fabric's overhead, not scaling.
/// </summary>
public static class ClusterBenchmark
{
    private static readonly double LargeOnlyThreshold = Math.BitDecrement(1.0);

    public static Command Create()
    {
        var images = new Option<int>("--images") { Description = "Test images per throughput measurement.", DefaultValueFactory = _ => 4_000 };
        var batch = new Option<int>("--batch") { Description = "Samples per infer request.", DefaultValueFactory = _ => 32 };
        var concurrency = new Option<int>("--concurrency") { Description = "Requests in flight.", DefaultValueFactory = _ => 4 };
        var rounds = new Option<int>("--rounds") { Description = "Measurements per configuration; the median is reported.", DefaultValueFactory = _ => 3 };
        var latencySamples = new Option<int>("--latency-samples") { Description = "Batch-1 large-route requests per system for the added latency.", DefaultValueFactory = _ => 1_000 };
        var seedSize = new Option<int>("--seed-size") { Description = "Labelled images the judge and first small model train on.", DefaultValueFactory = _ => 3_000 };
        var kcm = new Option<string?>("--kcm") { Description = "The built kcm.dll (default: found next to this benchmark's build output)." };
        var command = new Command("cluster", "1 front + 2 large silo processes over RabbitMQ vs the embedded silo: throughput, p50/p99, broker latency per large-path request.")
        {
            images, batch, concurrency, rounds, latencySamples, seedSize, kcm,
        };
        command.SetAction((parse, _) => RunAsync(
            parse.GetValue(images), parse.GetValue(batch), parse.GetValue(concurrency), parse.GetValue(rounds), parse.GetValue(latencySamples),
            parse.GetValue(seedSize), parse.GetValue(kcm)));
        return command;
    }

    private static async Task<int> RunAsync(int imageCount, int batch, int concurrency, int rounds, int latencySamples, int seedSize, string? kcmPath)
    {
        if (imageCount is < 100 or > 10_000 || batch is < 1 or > 256 || concurrency < 1 || rounds < 1 || latencySamples < 10 || seedSize is < 100 or > 50_000)
        {
            await Console.Error.WriteLineAsync("--images 100..10000, --batch 1..256, --concurrency >= 1, --rounds >= 1, --latency-samples >= 10, --seed-size 100..50000.").ConfigureAwait(false);
            return 2;
        }

        var kcm = KcmProgram.Locate(kcmPath);
        var test = FashionMnist.LoadTest();
        var inputs = Enumerable.Range(0, imageCount).Select(i => test.Row(i).ToArray()).ToArray();
        var folder = Directory.CreateTempSubdirectory("kcm-bench-cluster-").FullName;
        var embeddedStore = Path.Combine(folder, "embedded-store");
        string[] silo =
        [
            Setting("Kcm:Embedded:SeedSamples", seedSize), "--Kcm:Embedded:Epochs=2", "--Kcm:Distillation:Enabled=false",
            "--Logging:LogLevel:Default=Warning",
        ];
        Process? embedded = null;
        try
        {
            Console.WriteLine($"starting the cluster (kcm cluster up: 1 front, 2 large, 1 distiller) in {folder} ...");
            await kcm.RunAsync(["cluster", "up", "--folder", folder, "--fronts", "1", "--large", "2", "--distillers", "1", .. silo], TimeSpan.FromMinutes(15))
                .ConfigureAwait(false);
            using var state = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(folder, "state.json")).ConfigureAwait(false));
            var token = state.RootElement.GetProperty("adminToken").GetString()!;
            var front = new Uri(state.RootElement.GetProperty("silos").EnumerateArray()
                .First(s => s.GetProperty("roles").GetString() == "front").GetProperty("url").GetString()!);

            // The embedded silo serves a copy of the cluster's store: the same judge and small model version.
            CopyFolder(Path.Combine(folder, "store"), embeddedStore);
            var embeddedUrl = new Uri($"http://127.0.0.1:{FreePort()}");
            Console.WriteLine($"starting the embedded silo (kcm serve, all roles in one process) on {embeddedUrl} ...");
            embedded = kcm.StartServe(["--urls=" + embeddedUrl.ToString().TrimEnd('/'), "--Kcm:StorePath=" + embeddedStore, "--Kcm:AdminToken=" + token, .. silo]);
            await WaitReadyAsync(embeddedUrl, embedded).ConfigureAwait(false);

            var systems = new (string Name, Uri Url)[] { ("embedded (1 process)", embeddedUrl), ("cluster (1 front + 2 large)", front) };
            // Warm-up: JIT tiers, ONNX sessions and broker channels settle before anything is timed.
            foreach (var (_, url) in systems)
            {
                await LoadRun.RunAsync(url, inputs, batch, concurrency).ConfigureAwait(false);
                await LoadRun.RunAsync(url, inputs[..Math.Min(200, inputs.Length)], 1, 1).ConfigureAwait(false);
            }

            Console.WriteLine($"{imageCount:N0} test images, batch {batch}, {concurrency} in flight, median of {rounds} alternating rounds; {Environment.ProcessorCount} cores shared by every process");
            var atDefault = await MeasureAsync(systems, inputs, batch, concurrency, rounds).ConfigureAwait(false);
            Print("default threshold", systems, atDefault);

            foreach (var (_, url) in systems)
            {
                using var admin = new KcmClient(url, new KcmClientOptions { AdminToken = token });
                await admin.SetThresholdAsync(LargeOnlyThreshold).ConfigureAwait(false);
            }

            var largeOnly = await MeasureAsync(systems, inputs, batch, concurrency, rounds).ConfigureAwait(false);
            Print("every sample on the large route", systems, largeOnly);

            // One large-path request at a time, batch 1: the difference is what the broker hop costs a request.
            var single = await MeasureAsync(systems, inputs[..latencySamples], 1, 1, rounds).ConfigureAwait(false);
            Print("batch 1, one client, large route", systems, single);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"added by the broker per large-path request: p50 {single[1].P50Ms - single[0].P50Ms:F2} ms, p99 {single[1].P99Ms - single[0].P99Ms:F2} ms"));
            Console.WriteLine("On one machine the cluster's processes share the same cores: this measures the fabric's overhead, not scaling.");
            return 0;
        }
        finally
        {
            if (embedded is not null)
            {
                if (!embedded.HasExited)
                {
                    embedded.Kill(entireProcessTree: true);
                    await embedded.WaitForExitAsync().ConfigureAwait(false);
                }

                embedded.Dispose();
            }

            if (File.Exists(Path.Combine(folder, "state.json")))
            {
                await kcm.RunAsync(["cluster", "down", "--folder", folder], TimeSpan.FromMinutes(2)).ConfigureAwait(false);
            }

            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>Alternating rounds (embedded, cluster, embedded, ...) so drift on a shared machine hits both; medians per system.</summary>
    private static async Task<LoadResult[]> MeasureAsync((string Name, Uri Url)[] systems, float[][] inputs, int batch, int concurrency, int rounds)
    {
        var results = systems.Select(_ => new List<LoadResult>()).ToArray();
        for (var r = 0; r < rounds; r++)
        {
            for (var s = 0; s < systems.Length; s++)
            {
                results[s].Add(await LoadRun.RunAsync(systems[s].Url, inputs, batch, concurrency).ConfigureAwait(false));
            }
        }

        return [.. results.Select(list => new LoadResult(
            Median(list.Select(x => x.SamplesPerSecond)), Median(list.Select(x => x.P50Ms)), Median(list.Select(x => x.P99Ms)), Median(list.Select(x => x.LargeShare))))];
    }

    private static void Print(string title, (string Name, Uri Url)[] systems, LoadResult[] results)
    {
        Console.WriteLine();
        Console.WriteLine(title);
        Console.WriteLine($"  {"system",-30} {"samples/s",10} {"p50 ms",8} {"p99 ms",8} {"large share",12}");
        for (var s = 0; s < systems.Length; s++)
        {
            var r = results[s];
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {systems[s].Name,-30} {r.SamplesPerSecond,10:N0} {r.P50Ms,8:F2} {r.P99Ms,8:F2} {r.LargeShare,12:P1}"));
        }
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted[sorted.Length / 2];
    }

    private static async Task WaitReadyAsync(Uri url, Process process)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var stopwatch = Stopwatch.StartNew();
        while (stopwatch.Elapsed < TimeSpan.FromMinutes(15))
        {
            try
            {
                using var response = await http.GetAsync(new Uri(url, "/readyz")).ConfigureAwait(false);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
            }

            if (process.HasExited)
            {
                throw new InvalidOperationException($"kcm serve exited with code {process.ExitCode} before it was ready.");
            }

            await Task.Delay(250).ConfigureAwait(false);
        }

        throw new TimeoutException($"kcm serve on {url} was not ready within 15 minutes.");
    }

    private static void CopyFolder(string from, string to)
    {
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string Setting(string key, int value) => string.Create(CultureInfo.InvariantCulture, $"--{key}={value}");
}
