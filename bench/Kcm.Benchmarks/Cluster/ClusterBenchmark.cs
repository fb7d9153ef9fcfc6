using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Kcm.Core.Data;
using OrleansClient = Kcm.Client.KcmClient;
using OrleansClientOptions = Kcm.Client.KcmClientOptions;

namespace Kcm.Benchmarks.Cluster;

/// <summary>
/// `./kcm bench cluster`: the Orleans cluster beside one embedded silo on this machine, in alternating rounds on the same
/// settings: the cluster (`kcm cluster up`: Azurite and 2 gpu + 2 cpu,distiller silo processes, driven through the
/// Orleans client via the cpu silos' gateways) against one embedded Orleans silo process (Orleans client). Throughput and
/// latency at the default threshold and with every sample on the large route, and what the fabric adds to one
/// large-route request (batch 1, one client). Every process shares the same cores: this measures what the fabric costs,
/// not scaling.
/// </summary>
public static class ClusterBenchmark
{
    private static readonly double LargeOnlyThreshold = Math.BitDecrement(1.0);

    public static Command Create()
    {
        var images = new Option<int>("--images") { Description = "Test images per throughput measurement.", DefaultValueFactory = _ => 4_000 };
        var batch = new Option<int>("--batch") { Description = "Samples per request.", DefaultValueFactory = _ => 32 };
        var concurrency = new Option<int>("--concurrency") { Description = "Requests in flight.", DefaultValueFactory = _ => 4 };
        var rounds = new Option<int>("--rounds") { Description = "Measurements per configuration and system; the median is reported.", DefaultValueFactory = _ => 3 };
        var latencySamples = new Option<int>("--latency-samples") { Description = "Batch-1 large-route requests per system and round for the added latency.", DefaultValueFactory = _ => 1_000 };
        var seedSize = new Option<int>("--seed-size") { Description = "Labelled images the judge and first small model train on.", DefaultValueFactory = _ => 3_000 };
        var kcm = new Option<string?>("--kcm") { Description = "The built kcm.dll (default: found next to this benchmark's build output)." };
        var command = new Command("cluster", "The Orleans cluster (Azurite + 4 silo processes) beside one embedded silo: throughput, p50/p99, the fabric's cost per large-route request.")
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
        var orleansFolder = Path.Combine(folder, "orleans");
        const string token = "bench-admin-token";
        // The same models' settings everywhere; distillation off so no round disturbs the figures.
        string[] silo =
        [
            Setting("Kcm:Embedded:SeedSamples", seedSize), "--Kcm:Embedded:Epochs=2", "--Kcm:Distillation:Enabled=false",
            "--Logging:LogLevel:Default=Warning",
        ];
        var started = new List<Process>();
        var targets = new List<IServingTarget>();
        Console.WriteLine($"load average before: {LoadAverage()} ({Environment.ProcessorCount} cores)");
        try
        {
            Console.WriteLine($"starting the Orleans cluster (kcm cluster up: Azurite, 2 gpu + 2 cpu,distiller silos) in {orleansFolder} ...");
            await kcm.RunAsync(["cluster", "up", "--folder", orleansFolder, "--silos", "4", .. silo], TimeSpan.FromMinutes(15)).ConfigureAwait(false);

            var orleansEmbedded = new Uri($"http://127.0.0.1:{FreePort()}");
            var gateway = FreePort();
            Console.WriteLine($"starting the embedded Orleans silo (kcm cluster-silo: every role, localhost clustering) on {orleansEmbedded}, gateway {gateway} ...");
            started.Add(kcm.Start(
            [
                "cluster-silo", "--urls=" + Trim(orleansEmbedded), Setting("Kcm:Orleans:SiloPort", FreePort()), Setting("Kcm:Orleans:GatewayPort", gateway),
                "--Kcm:StorePath=" + Path.Combine(folder, "orleans-embedded-store"), "--Kcm:AdminToken=" + token, .. silo,
            ]));
            await WaitReadyAsync(orleansEmbedded, started[^1]).ConfigureAwait(false);

            // The Orleans client enters through the cpu silos' gateways, as an edge client would: the judge and large
            // model are a silo hop away (a client on a gpu gateway would skip that hop).
            using var orleansState = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(orleansFolder, "state.json")).ConfigureAwait(false));
            var cpuGateways = orleansState.RootElement.GetProperty("silos").EnumerateArray()
                .Where(s => !s.GetProperty("roles").GetString()!.Split(',').Contains("gpu"))
                .Select(s => new IPEndPoint(IPAddress.Loopback, s.GetProperty("gatewayPort").GetInt32())).ToList();

            targets.Add(new OrleansTarget("Orleans embedded (1 process)",
                await OrleansClient.ConnectAsync(new OrleansClientOptions { Gateways = [new IPEndPoint(IPAddress.Loopback, gateway)], AdminToken = token }).ConfigureAwait(false)));
            targets.Add(new OrleansTarget("Orleans cluster (4 silos)", await OrleansClient.ConnectAsync(new OrleansClientOptions { Gateways = cpuGateways, ClusterId = orleansState.RootElement.GetProperty("clusterId").GetString()!, ServiceId = orleansState.RootElement.GetProperty("serviceId").GetString()!,
                // Setting the threshold is an admin call: the token kcm cluster up keeps in its folder (mode 0600).
                AdminToken = (await File.ReadAllTextAsync(Path.Combine(orleansFolder, "admin-token")).ConfigureAwait(false)).Trim(),
            }).ConfigureAwait(false)));

            // Warm-up: JIT tiers, ONNX sessions, connections and placements settle before anything is timed.
            foreach (var target in targets)
            {
                await LoadRun.RunAsync(target, inputs, batch, concurrency).ConfigureAwait(false);
                await LoadRun.RunAsync(target, inputs[..Math.Min(200, inputs.Length)], 1, 1).ConfigureAwait(false);
            }

            Console.WriteLine($"{imageCount:N0} test images, batch {batch}, {concurrency} in flight, median of {rounds} alternating rounds; {Environment.ProcessorCount} cores shared by every process");
            Print("default threshold", targets, await MeasureAsync(targets, inputs, batch, concurrency, rounds).ConfigureAwait(false));

            foreach (var target in targets)
            {
                await target.SetThresholdAsync(LargeOnlyThreshold).ConfigureAwait(false);
            }

            Print("every sample on the large route", targets, await MeasureAsync(targets, inputs, batch, concurrency, rounds).ConfigureAwait(false));

            // One large-route request at a time, batch 1: the difference to the embedded silo is what the fabric costs a request.
            var single = await MeasureAsync(targets, inputs[..latencySamples], 1, 1, rounds).ConfigureAwait(false);
            Print("batch 1, one client, large route", targets, single);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"added by the Orleans fabric per large-route request: p50 {single[1].P50Ms - single[0].P50Ms:F2} ms, p99 {single[1].P99Ms - single[0].P99Ms:F2} ms"));
            Console.WriteLine($"load average after: {LoadAverage()}");
            Console.WriteLine("On one machine every process shares the same cores: this measures what the fabric costs, not scaling.");
            return 0;
        }
        finally
        {
            foreach (var target in targets)
            {
                await target.DisposeAsync().ConfigureAwait(false);
            }

            foreach (var process in started)
            {
                if (!process.HasExited)
                {
                    process.Kill(entireProcessTree: true);
                    await process.WaitForExitAsync().ConfigureAwait(false);
                }

                process.Dispose();
            }

            if (File.Exists(Path.Combine(orleansFolder, "state.json")))
            {
                await kcm.RunAsync(["cluster", "down", "--folder", orleansFolder], TimeSpan.FromMinutes(2)).ConfigureAwait(false);
            }

            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>Alternating rounds (each system in turn, round after round) so drift on a shared machine hits all; medians per system.</summary>
    private static async Task<LoadResult[]> MeasureAsync(IReadOnlyList<IServingTarget> targets, float[][] inputs, int batch, int concurrency, int rounds)
    {
        var results = targets.Select(_ => new List<LoadResult>()).ToArray();
        for (var r = 0; r < rounds; r++)
        {
            for (var s = 0; s < targets.Count; s++)
            {
                results[s].Add(await LoadRun.RunAsync(targets[s], inputs, batch, concurrency).ConfigureAwait(false));
            }
        }

        return [.. results.Select(list => new LoadResult(
            Median(list.Select(x => x.SamplesPerSecond)), Median(list.Select(x => x.P50Ms)), Median(list.Select(x => x.P99Ms)), Median(list.Select(x => x.LargeShare))))];
    }

    private static void Print(string title, IReadOnlyList<IServingTarget> targets, LoadResult[] results)
    {
        Console.WriteLine();
        Console.WriteLine(title);
        Console.WriteLine($"  {"system",-36} {"samples/s",10} {"p50 ms",8} {"p99 ms",8} {"large share",12}");
        for (var s = 0; s < targets.Count; s++)
        {
            var r = results[s];
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {targets[s].Name,-36} {r.SamplesPerSecond,10:N0} {r.P50Ms,8:F2} {r.P99Ms,8:F2} {r.LargeShare,12:P1}"));
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
                throw new InvalidOperationException($"the silo on {url} exited with code {process.ExitCode} before it was ready.");
            }

            await Task.Delay(250).ConfigureAwait(false);
        }

        throw new TimeoutException($"the silo on {url} was not ready within 15 minutes.");
    }

    private static string LoadAverage() => string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ')[..3]);

    private static string Trim(Uri url) => url.ToString().TrimEnd('/');

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string Setting(string key, int value) => string.Create(CultureInfo.InvariantCulture, $"--{key}={value}");
}
