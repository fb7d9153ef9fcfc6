using System.Diagnostics;
using Kcm.Client;
using Kcm.Cluster.Tests.Support;
using Kcm.Grains.Storage;
using Xunit.Abstractions;

namespace Kcm.Cluster.Tests;

/// <summary>
/// Issue 5's distiller failover and late-front acceptance with real processes (1 front, 1 large, 2 distillers): the
/// active distiller is killed with SIGKILL in the middle of a round, the standby takes over every record, no version of
/// the interrupted round exists anywhere, and a front started after the standby's round comes up on its version.
/// </summary>
public sealed class ProcessDistillerFailoverTests(ITestOutputHelper output)
{
    private const string Series = "fashion-mnist.small";

    [Fact]
    public async Task Standby_distiller_takes_over_every_record_and_a_late_front_starts_on_the_new_version()
    {
        // Rounds only when asked, so the test decides when the first distiller is mid-round.
        await using var cluster = await ProcessCluster.StartAsync(
            fronts: 1, large: 1, distillers: 2,
            "--Kcm:Distillation:Enabled=false", "--Kcm:Distillation:RecordsPerRound=4000", "--Kcm:Embedded:GuardTolerance=0.1");
        using var front = cluster.Client("front-1", new KcmClientOptions { MaxBatchSize = 50, MaxConcurrency = 4 });
        var served = await front.InferManyAsync(TestImages.Take(0, 1500));
        Assert.All(served, r => Assert.Equal(1, r.SmallModelVersion));

        // Every published record reached a distiller's prefetch (the broker's ready count is 0) before the round starts.
        var queued = await WaitForAsync(async () =>
        {
            var published = await cluster.MetricAsync("front-1", "kcm_teacher_records_queued_total");
            var waiting = await cluster.MetricAsync("front-1", "kcm_broker_queue_messages", "queue=\"kcm.teachers.fashion-mnist\"");
            return (published > 0 && waiting == 0, published);
        }, TimeSpan.FromSeconds(20), "teacher records still waiting in the broker");
        Assert.Equal(0, await cluster.MetricAsync("front-1", "kcm_teacher_records_dropped_total"));

        using (var first = new KcmClient(new Uri(cluster.Silo("distiller-1").Url), new KcmClientOptions { AdminToken = cluster.State.AdminToken, MaxRetries = 0 }))
        {
            var round = first.DistillAsync();
            await Task.Delay(400);
            Assert.False(round.IsCompleted, "the first distiller's round finished within 0.4 s: too short to kill it mid-round");
            using (var process = Process.GetProcessById(cluster.Silo("distiller-1").Pid))
            {
                process.Kill();
            }

            await Assert.ThrowsAnyAsync<Exception>(() => round);
        }

        // The standby becomes the single active consumer and gets every record the killed one held unacknowledged.
        using var standby = cluster.AdminClient("distiller-2");
        var promoted = new List<int>();
        var consumed = await WaitForAsync(async () =>
        {
            var result = await standby.DistillAsync();
            output.WriteLine($"standby round: promoted {result.Promoted}, {result.SampleCount} records, version {result.CurrentVersion}: {result.Detail}");
            if (result.Promoted)
            {
                promoted.Add(result.CurrentVersion);
            }

            var count = await cluster.MetricAsync("distiller-2", "kcm_teacher_records_consumed_total");
            return (count >= queued, count);
        }, TimeSpan.FromSeconds(60), "the standby did not consume every record");
        output.WriteLine($"records published by the front {queued}, consumed by the standby {consumed}; promoted versions [{string.Join(", ", promoted)}].");
        Assert.Equal(queued, consumed);
        Assert.Equal(0, await cluster.MetricAsync("front-1", "kcm_broker_queue_messages", "queue=\"kcm.teachers.fashion-mnist.dead\""));
        Assert.NotEmpty(promoted);
        var newest = promoted[^1];

        // No version from the interrupted round: the store holds version 1 and the standby's promotions only.
        var stored = await new LocalDirectoryModelStore(cluster.Store, keepVersions: 1000).ListAsync(Series, CancellationToken.None);
        Assert.Equal([1, .. promoted], stored.Select(s => s.Version).ToArray());
        var stopwatch = Stopwatch.StartNew();
        await WaitForAsync(async () => ((await front.GetModelAsync()).SmallModel.CurrentVersion == newest, 0), TimeSpan.FromSeconds(2), "front-1 did not swap within 2 s");
        output.WriteLine($"front-1 on version {newest} {stopwatch.ElapsedMilliseconds} ms after the round answered.");
        Assert.All(await front.InferManyAsync(TestImages.Take(2000, 64)), r => Assert.Equal(newest, r.SmallModelVersion));

        // A front started afterwards comes up (ready) already on the new version.
        await cluster.UpAsync(fronts: 2, large: 1, distillers: 1);
        using var late = cluster.Client("front-2");
        Assert.Equal(newest, (await late.GetModelAsync()).SmallModel.CurrentVersion);
        Assert.All(await late.InferManyAsync(TestImages.Take(3000, 16)), r => Assert.Equal(newest, r.SmallModelVersion));
    }

    private static async Task<double> WaitForAsync(Func<Task<(bool Done, double Value)>> probe, TimeSpan timeout, string failure)
    {
        var stopwatch = Stopwatch.StartNew();
        while (true)
        {
            var (done, value) = await probe();
            if (done)
            {
                return value;
            }

            Assert.True(stopwatch.Elapsed < timeout, $"{failure} within {timeout.TotalSeconds:0} s (last value {value}).");
            await Task.Delay(100);
        }
    }
}
