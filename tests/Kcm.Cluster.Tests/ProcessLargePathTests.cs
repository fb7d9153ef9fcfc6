using System.Collections.Concurrent;
using System.Diagnostics;
using Kcm.Client;
using Kcm.Cluster.Tests.Support;
using Kcm.Contracts;
using Xunit.Abstractions;

namespace Kcm.Cluster.Tests;

/// <summary>
/// Issue 5's acceptance with real silo processes started by <c>kcm cluster up</c> (1 front, 2 large, 1 distiller):
/// the large path spread over both workers with the embedded mode's answers, and a worker killed with SIGKILL under load.
/// </summary>
public sealed class ProcessLargePathTests(ProcessLargePathTests.Cluster fixture, ITestOutputHelper output) : IClassFixture<ProcessLargePathTests.Cluster>
{
    private const string LargeSamples = "kcm_batch_size_sum";
    private const string LargeStage = "stage=\"large\"";

    [Fact]
    public async Task Large_path_is_shared_by_both_workers_and_answers_match_the_embedded_mode()
    {
        var cluster = fixture.Processes;
        var before1 = await cluster.MetricAsync("large-1", LargeSamples, LargeStage);
        var before2 = await cluster.MetricAsync("large-2", LargeSamples, LargeStage);
        var inputs = TestImages.Take(0, 240);
        using var front = cluster.Client("front-1", new KcmClientOptions { MaxBatchSize = 4, MaxConcurrency = 4 });
        var clustered = await front.InferManyAsync(inputs, returnProbabilities: true);

        var share1 = await cluster.MetricAsync("large-1", LargeSamples, LargeStage) - before1;
        var share2 = await cluster.MetricAsync("large-2", LargeSamples, LargeStage) - before2;
        var largeRouted = clustered.Count(r => r.Route == InferenceRoute.Large);
        output.WriteLine($"{largeRouted} of {inputs.Length} samples on the large route; large-1 ran {share1}, large-2 ran {share2}.");
        Assert.True(largeRouted > 0, "no sample took the large route");
        Assert.True(share1 > 0 && share2 > 0, $"both workers must serve a share (large-1 {share1}, large-2 {share2})");
        Assert.True(share1 + share2 >= largeRouted, $"the workers ran {share1 + share2} samples for {largeRouted} large-route samples");

        // The embedded mode (all roles in one process, no broker) on a copy of the cluster's store: same judge, same small version.
        var storeCopy = Directory.CreateTempSubdirectory("kcm-embedded-store-").FullName;
        try
        {
            CopyFolder(cluster.Store, storeCopy);
            await using var embedded = await SiloProcess.StartAsync(
                [.. ProcessCluster.FastSiloSettings, "--Kcm:StorePath=" + storeCopy, "--Kcm:Distillation:Enabled=false"], TimeSpan.FromMinutes(3));
            using var client = new KcmClient(embedded.Url, new KcmClientOptions { MaxBatchSize = 4, MaxConcurrency = 4 });
            var local = await client.InferManyAsync(inputs, returnProbabilities: true);
            for (var i = 0; i < inputs.Length; i++)
            {
                Assert.Equal(local[i].SmallModelVersion, clustered[i].SmallModelVersion);
                Assert.Equal(local[i].Route, clustered[i].Route);
                Assert.Equal(local[i].Label, clustered[i].Label);
                for (var c = 0; c < local[i].Probabilities!.Length; c++)
                {
                    Assert.True(
                        Math.Abs(local[i].Probabilities![c] - clustered[i].Probabilities![c]) < 1e-4,
                        $"sample {i} class {c}: embedded {local[i].Probabilities![c]}, cluster {clustered[i].Probabilities![c]}");
                }
            }
        }
        finally
        {
            Directory.Delete(storeCopy, recursive: true);
        }
    }

    [Fact]
    public async Task Killing_a_large_silo_under_load_fails_no_client_request()
    {
        var cluster = fixture.Processes;
        var survivorBefore = await cluster.MetricAsync("large-2", LargeSamples, LargeStage);
        var samples = new ConcurrentBag<(double StartSeconds, double LatencyMs, int Results)>();
        var failures = new ConcurrentBag<string>();
        var clock = Stopwatch.StartNew();
        var until = TimeSpan.FromSeconds(9);
        var killAt = TimeSpan.FromSeconds(3);
        var clients = Enumerable.Range(0, 8).Select(c => Task.Run(async () =>
        {
            using var client = cluster.Client("front-1");
            for (var n = 0; clock.Elapsed < until; n++)
            {
                var inputs = TestImages.Take((c * 1000) + (n * 4), 4);
                var started = clock.Elapsed;
                try
                {
                    var response = await client.InferAsync(inputs);
                    samples.Add((started.TotalSeconds, (clock.Elapsed - started).TotalMilliseconds, response.Results.Length));
                }
                catch (KcmException e)
                {
                    failures.Add(e.Message);
                }
            }
        })).ToList();

        await Task.Delay(killAt);
        var victim = cluster.Silo("large-1");
        using (var process = Process.GetProcessById(victim.Pid))
        {
            process.Kill(); // SIGKILL: no drain, no connection close; the broker notices the dead socket.
        }

        var killedAt = clock.Elapsed.TotalSeconds;
        await Task.WhenAll(clients);

        var during = samples.Where(s => s.StartSeconds >= killedAt - 0.5 && s.StartSeconds <= killedAt + 3).Select(s => s.LatencyMs).Order().ToArray();
        var all = samples.Select(s => s.LatencyMs).Order().ToArray();
        var redeliveries = await cluster.MetricAsync("large-2", "kcm_large_redeliveries_total");
        var duplicates = await cluster.MetricAsync("front-1", "kcm_large_duplicate_replies_total");
        var timeouts = await cluster.MetricAsync("front-1", "kcm_large_reply_timeouts_total");
        output.WriteLine(
            $"{samples.Count} requests answered, {failures.Count} failed; kill -9 of large-1 at {killedAt:F1} s; "
            + $"p50 {Percentile(all, 0.5):F1} ms, p99 {Percentile(all, 0.99):F1} ms overall; "
            + $"{during.Length} requests started within [-0.5 s, +3 s] of the kill: p99 {Percentile(during, 0.99):F1} ms, max {during.LastOrDefault():F1} ms; "
            + $"redeliveries on large-2 {redeliveries}, duplicate replies ignored by the front {duplicates}, reply timeouts {timeouts}.");

        Assert.Empty(failures);
        Assert.All(samples, s => Assert.Equal(4, s.Results));
        Assert.True(during.Length > 0, "no request was in flight around the kill");
        Assert.True(await cluster.MetricAsync("large-2", LargeSamples, LargeStage) > survivorBefore, "the surviving worker took no work");

        // `cluster up` again restarts exactly the silo that died, and the cluster serves with both workers again.
        await cluster.UpAsync(fronts: 1, large: 2, distillers: 1);
        Assert.Contains("large-1", cluster.UpOutput, StringComparison.Ordinal);
        Assert.NotEqual(victim.Pid, cluster.Silo("large-1").Pid);
        using var check = cluster.Client("front-1");
        Assert.Equal(8, (await check.InferAsync(TestImages.Take(0, 8))).Results.Length);
    }

    private static double Percentile(double[] sorted, double q) =>
        sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(q * sorted.Length) - 1)];

    private static void CopyFolder(string from, string to)
    {
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }

    /// <summary>The cluster these tests share; rounds are off so the small model version stays put.</summary>
    public sealed class Cluster : IAsyncLifetime
    {
        private ProcessCluster? _processes;

        public ProcessCluster Processes => _processes ?? throw new InvalidOperationException("The cluster has not started.");

        public async Task InitializeAsync() =>
            _processes = await ProcessCluster.StartAsync(fronts: 1, large: 2, distillers: 1, "--Kcm:Distillation:Enabled=false");

        public async Task DisposeAsync()
        {
            if (_processes is not null)
            {
                await _processes.DisposeAsync();
            }
        }
    }
}
