using System.Diagnostics;
using System.Globalization;
using Kcm.OrleansCluster.Tests.Support;
using Xunit.Abstractions;

namespace Kcm.OrleansCluster.Tests;

/// <summary>
/// Azurite (membership, grain state, reminders, the teacher queue, the model blobs) stopped with SIGTERM under the
/// 8-client load and started again on the same ports and <c>--location</c>: classification keeps answering on both
/// routes, the gpu silos buffer their teacher records (or refuse and count them beyond the bound) with
/// produced = sent + buffered + refused exactly, no live silo is declared dead, and once Azurite is back the buffers
/// reach the queue and distillation rounds resume until every accepted record is trained on.
/// </summary>
[Collection(ProcessClusterCollection.Name)]
public sealed class StorageOutageTests(ProcessClusterFixture cluster, ITestOutputHelper output)
{
    /// <summary>How long Azurite stays down (from its exit to the start of its restart).</summary>
    private static readonly TimeSpan Outage = TimeSpan.FromSeconds(15);

    /// <summary>The fixture's threshold (<see cref="ProcessClusterFixture.SiloArguments"/>): nearly every row goes large.</summary>
    private const double FixtureThreshold = 0.9999;

    /// <summary>Teacher-queue senders per silo (<c>TeacherQueue:SendConcurrency</c>'s default).</summary>
    private const int Senders = 4;

    [Fact]
    public async Task StoppingAzuriteUnderLoad_KeepsBothRoutesAnswering_LosesNoTeacherRecord_DeclaresNoSiloDead_AndDistillationResumes()
    {
        await cluster.EnsureAllRunningAsync();
        // Both routes under load: a threshold at the 80th percentile of the judge's confidences on some of these images
        // (the fixture's sends nearly every row large; the median sent about 90 % of the load's rows small, too few teacher
        // records to fill a buffer), set while the storage is up (the registry writes it to its table row).
        var confidences = new List<float>();
        for (var b = 0; b < 8; b++)
        {
            confidences.AddRange((await cluster.Client.ClassifyAsync(ClusterLoad.Model, cluster.Images[(b * 50 * Kcm.Core.Data.FashionMnist.PixelCount)..((b + 1) * 50 * Kcm.Core.Data.FashionMnist.PixelCount)], 50)).Confidences);
        }

        var mixed = Math.Clamp(confidences.Order().ElementAt(confidences.Count * 4 / 5), 0.01, 0.99);
        var start = await TeacherLedger.QuietAsync(cluster, TimeSpan.FromSeconds(60));
        await cluster.Client.SetThresholdAsync(ClusterLoad.Model, mixed);
        try
        {
            await RunOutageAsync(start);
        }
        finally
        {
            if (!cluster.Azurite.IsRunning)
            {
                await cluster.Azurite.StartAgainAsync();
            }

            await cluster.Client.SetThresholdAsync(ClusterLoad.Model, FixtureThreshold);
        }
    }

    private async Task RunOutageAsync(TeacherLedger start)
    {
        var gpus = cluster.WithRole("gpu").ToList();
        var distillers = cluster.WithRole("distiller").ToList();
        var producersBefore = await StorageOutageProducers.ReadAsync(gpus);
        var membershipBefore = await cluster.MembershipAsync();
        var registryBefore = await cluster.Client.GetServingHistoryAsync(ClusterLoad.Model);
        var active = membershipBefore.Where(r => r.IsActive).ToList();
        Assert.Equal(cluster.Silos.Count, active.Count);

        // Two rows a call with a 25 ms pause per client: a few hundred teacher records a second, which the distiller's
        // rounds of 1,000 catch up with within the test once the storage is back.
        var load = StorageOutageLoad.Start(cluster.Clients, cluster.Images, Kcm.Core.Data.FashionMnist.PixelCount, rows: 2, TimeSpan.FromMilliseconds(25));
        await Task.Delay(TimeSpan.FromSeconds(4));
        var stopping = load.Elapsed;
        await cluster.Azurite.StopAsync();
        var downAt = load.Elapsed;
        Assert.False(cluster.Azurite.IsRunning);
        await Task.Delay(Outage - TimeSpan.FromSeconds(2));
        var loadEnd = load.Elapsed;
        var calls = await load.StopAsync();

        // Still down, producers stopped: nothing can move, so the books are still and must balance exactly.
        await Task.Delay(TimeSpan.FromSeconds(1));
        var down = await StorageOutageProducers.ReadAsync(gpus) - producersBefore;
        await Task.Delay(TimeSpan.FromSeconds(0.5));
        var downAgain = await StorageOutageProducers.ReadAsync(gpus) - producersBefore;
        var downSeconds = load.Elapsed - downAt;
        var consumedWhileDown = await ConsumedAsync(distillers);
        var outageEndsAt = downAt + Outage.TotalSeconds;
        var wait = outageEndsAt - load.Elapsed;
        if (wait > 0)
        {
            await Task.Delay(TimeSpan.FromSeconds(wait));
        }

        var outage = Stopwatch.StartNew();
        await cluster.Azurite.StartAgainAsync();
        var restartTook = outage.Elapsed;
        var outageSeconds = load.Elapsed - downAt;

        // The buffers reach the queue.
        var back = Stopwatch.StartNew();
        StorageOutageProducers up;
        do
        {
            await Task.Delay(TimeSpan.FromMilliseconds(500));
            up = await StorageOutageProducers.ReadAsync(gpus) - producersBefore;
        }
        while (up.Buffered > 0 && back.Elapsed < TimeSpan.FromSeconds(60));

        var drained = back.Elapsed;

        // Rounds resume: a round trains on records and records its outcome (its state written to the table) after the restart.
        var resumed = (TimeSpan?)null;
        while (back.Elapsed < TimeSpan.FromSeconds(60))
        {
            if (await ConsumedAsync(distillers) > consumedWhileDown)
            {
                resumed = back.Elapsed;
                break;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(250));
        }

        var after = await TeacherLedger.SettledSinceAsync(cluster, start, TimeSpan.FromSeconds(60));
        var settled = back.Elapsed;
        var membershipAfter = await cluster.MembershipAsync();
        var registryAfter = await cluster.Client.GetServingHistoryAsync(ClusterLoad.Model);

        var answered = calls.Where(c => c.Failure is null).ToList();
        var inOutage = answered.Where(c => c.Start >= downAt).ToList();
        var failed = calls.Where(c => c.Failure is not null).ToList();
        var trained = after.Distillation.RecordsConsumed - start.Distillation.RecordsConsumed;
        var refusedByRounds = after.Distillation.RecordsRefused - start.Distillation.RecordsRefused;
        var accepted = after.Produced - start.Produced;
        var table = string.Join(", ", membershipAfter.Where(r => active.Any(a => a.SiloName == r.SiloName && a.Generation == r.Generation))
            .OrderBy(r => r.SiloName).Select(r => $"{r.SiloName} {r.Status} ({r.Suspicions} suspicions)"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Azurite stopped (SIGTERM) at {stopping:F1} s of load, exited after {downAt - stopping:F2} s; down {outageSeconds:F1} s in all, restart took {restartTook.TotalSeconds:F2} s; load ran {loadEnd - downAt:F1} s of the outage"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"classification: {calls.Count} calls, {answered.Count} answered ({answered.Sum(c => c.SmallRows)} rows small, {answered.Sum(c => c.LargeRows)} large), {failed.Count} failed; "
            + $"during the outage {inOutage.Count} answered ({inOutage.Sum(c => c.SmallRows)} rows small, {inOutage.Sum(c => c.LargeRows)} large), "
            + $"p99 {Percentile(inOutage, 0.99):F0} ms there, {Percentile(answered.Where(c => c.End < downAt).ToList(), 0.99):F0} ms before"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"teacher records while down (gpu silos): produced {down.Produced:F0} = sent {down.Sent:F0} + buffered {down.Buffered:F0} + refused {down.RefusedFull + down.RefusedOther:F0} "
            + $"(full {down.RefusedFull:F0}, other {down.RefusedOther:F0}); {downAgain.SendErrors:F0} failed sends retried by {Senders * gpus.Count} senders in the first {downSeconds:F1} s of the outage"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"after the restart: buffers sent in {drained.TotalSeconds:F1} s (sent {up.Sent:F0}, buffered {up.Buffered:F0}); first recorded round {resumed?.TotalSeconds:F1} s after; "
            + $"ledger settled {settled.TotalSeconds:F1} s after: accepted {accepted:F0} = trained {trained} + refused by rounds {refusedByRounds}, {after.QueuedMessages} messages left queued, "
            + $"seen again {after.Distillation.RecordsRedelivered - start.Distillation.RecordsRedelivered}; rounds failed {after.Distillation.RoundsFailed - start.Distillation.RoundsFailed}"));
        output.WriteLine($"membership after: {table}; kills so far: {string.Join(", ", cluster.Kills)}");
        if (failed.Count > 0)
        {
            output.WriteLine("failures: " + string.Join("; ", failed.Take(5).Select(f => string.Create(CultureInfo.InvariantCulture, $"at {f.Start:F1}s: {f.Failure}"))));
        }

        // Classification never touches the storage on its path: no call fails, both routes answer during the outage.
        Assert.True(failed.Count == 0, $"{failed.Count} classification calls failed, first: {failed.FirstOrDefault()?.Failure}");
        Assert.True(inOutage.Sum(c => c.SmallRows) > 0, "no row was answered by the small route during the outage");
        Assert.True(inOutage.Sum(c => c.LargeRows) > 0, "no row was answered by the large route during the outage");
        Assert.True(outageSeconds >= Outage.TotalSeconds, $"Azurite was down only {outageSeconds:F1} s");

        // While down: the books are still and balance exactly; records were made and nothing was sent.
        // (Only the failed sends move: the senders keep retrying, with backoff.)
        Assert.Equal(down with { SendErrors = 0 }, downAgain with { SendErrors = 0 });
        Assert.True(down.Produced > 0, "the load produced no teacher records while Azurite was down");
        Assert.Equal(down.Produced, down.Sent + down.Buffered + down.RefusedFull + down.RefusedOther + down.UnsentAtStop);
        Assert.Equal(down.Accepted, down.Sent + down.Buffered + down.UnsentAtStop);
        Assert.True(down.Buffered > 0, "no record was buffered while the queue was unreachable");
        Assert.True(down.SendErrors > 0, "no send failed while Azurite was down");
        // Retried with capped exponential backoff, not in a spin: at most one failure per sender every half second
        // (measured: about one every 1.5 s; a spinning sender fails thousands of times a second against a closed port).
        Assert.True(downAgain.SendErrors <= Senders * gpus.Count * downSeconds / 0.5, $"{downAgain.SendErrors} failed sends in {downSeconds:F1} s");

        // After: every buffered record reached the queue, no silo was declared dead, rounds resumed and trained everything.
        Assert.Equal(0, up.Buffered);
        Assert.Equal(down.Accepted, up.Sent + up.UnsentAtStop);
        foreach (var row in active)
        {
            var now = membershipAfter.Single(r => r.SiloName == row.SiloName && r.Generation == row.Generation);
            Assert.True(now.IsActive, $"{row.SiloName} (generation {row.Generation}) is {now.Status} after the outage");
        }

        // The registry's table row came through the restart: the versions it held are still there, unchanged (a round
        // after the restart may have added one, and the bounded history then drops the oldest).
        var kept = registryAfter.Where(v => v.Version <= registryBefore[^1].Version).ToArray();
        Assert.NotEmpty(kept);
        Assert.Equal(registryBefore.TakeLast(kept.Length), kept);
        Assert.NotNull(resumed);
        Assert.Equal(accepted, trained + refusedByRounds);
        Assert.Equal(0, after.QueuedMessages);
        Assert.Equal(down.Accepted, accepted);
    }

    /// <summary>Records trained on by rounds on these silos since each process started.</summary>
    private static async Task<double> ConsumedAsync(IEnumerable<SiloProcess> distillers) =>
        (await Task.WhenAll(distillers.Select(d => d.MetricAsync("kcm_teacher_records_consumed_total")))).Sum();

    private static double Percentile(IReadOnlyList<StorageOutageCall> calls, double q)
    {
        var latencies = calls.Select(c => (c.End - c.Start) * 1000).Order().ToArray();
        return latencies.Length == 0 ? double.NaN : latencies[Math.Clamp((int)Math.Ceiling(q * latencies.Length) - 1, 0, latencies.Length - 1)];
    }
}
