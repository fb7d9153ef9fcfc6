using System.Diagnostics;
using System.Globalization;
using Kcm.OrleansCluster.Tests.Support;
using Xunit.Abstractions;

namespace Kcm.OrleansCluster.Tests;

/// <summary>
/// kill -9 of the silo holding the distillation grain while a round trains, under the 8-client load: the round's records
/// come back after their lease and are trained once, by a round on the other distiller silo; the ledger balances
/// exactly (produced = trained + refused, nothing left queued); no client call fails.
/// </summary>
[Collection(ProcessClusterCollection.Name)]
public sealed class DistillerKillTests(ProcessClusterFixture cluster, ITestOutputHelper output)
{
    [Fact]
    public async Task KillingTheDistillerMidRound_LosesNoRecord_TrainsNoneTwice_AndRoundsResumeOnTheOtherDistiller()
    {
        await cluster.EnsureAllRunningAsync();
        var before = await TeacherLedger.QuietAsync(cluster, TimeSpan.FromSeconds(60));
        // One image a call: a round's worth of records in a second or two, not a backlog that takes the test's time to drain.
        var load = ClusterLoad.Start(cluster.Clients, cluster.Images, Kcm.Core.Data.FashionMnist.PixelCount, rows: 1);

        // A round is running once the grain says so; the silo holding the grain is the one to kill.
        var waiting = Stopwatch.StartNew();
        while (!(await cluster.Client.GetDistillationStatusAsync(ClusterLoad.Model)).RoundRunning)
        {
            Assert.True(waiting.Elapsed < TimeSpan.FromSeconds(30), "no distillation round started within 30 s of load");
            await Task.Delay(20);
        }

        var holder = cluster.Silo(await cluster.SiloHoldingAsync("DistillationGrain")
            ?? throw new InvalidOperationException("no silo holds the distillation grain while a round runs"));
        var survivor = cluster.WithRole("distiller").Single(s => s != holder);
        var survivorRounds = await survivor.MetricAsync("kcm_distillation_rounds_total");
        var killedAt = load.Elapsed;
        cluster.Kill(holder);

        // Rounds resume on the survivor on their own: the reminder (its range taken over by a live silo) activates the
        // grain there and the activation's ticks run rounds. Nothing calls the grain meanwhile (a call would activate it).
        var resume = Stopwatch.StartNew();
        while (await cluster.SiloHoldingAsync("DistillationGrain") != survivor.Name && resume.Elapsed < TimeSpan.FromSeconds(30))
        {
            await Task.Delay(100);
        }

        var resumedAfter = resume.Elapsed;
        while (await survivor.MetricAsync("kcm_distillation_rounds_total") <= survivorRounds && resume.Elapsed < TimeSpan.FromSeconds(60))
        {
            await Task.Delay(100);
        }

        var firstRoundAfter = resume.Elapsed;
        while (load.Elapsed < killedAt + 2)
        {
            await Task.Delay(100);
        }

        var recording = await load.StopAsync();
        // The killed round's records come back when their 10 s lease ends, then a round trains them.
        var after = await TeacherLedger.SettledSinceAsync(cluster, before, TimeSpan.FromSeconds(45));
        var produced = after.Produced - before.Produced;
        var trained = after.Distillation.RecordsConsumed - before.Distillation.RecordsConsumed;
        var refused = after.Distillation.RecordsRefused - before.Distillation.RecordsRefused;
        var redelivered = after.Distillation.RecordsRedelivered - before.Distillation.RecordsRedelivered;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"killed {holder.Name} (holding the distillation grain, a round running) at {killedAt:F1} s of load; the reminder activated the grain on "
            + $"{survivor.Name} {resumedAfter.TotalSeconds:F1} s later, its first round ended {firstRoundAfter.TotalSeconds:F1} s after the kill; ledger: produced {produced:F0} = trained {trained} + refused {refused}, {after.QueuedMessages} messages left queued; "
            + $"seen again after a recorded round {redelivered}; rounds accepted {after.Distillation.RoundsAccepted - before.Distillation.RoundsAccepted}, "
            + $"rejected {after.Distillation.RoundsRejected - before.Distillation.RoundsRejected}, failed {after.Distillation.RoundsFailed - before.Distillation.RoundsFailed}; "
            + $"{recording.Calls.Count} client calls, {recording.Failures.Count} failed"));

        Assert.True(recording.Failures.Count == 0, $"{recording.Failures.Count} client calls failed: {recording.DescribeFailures()}");
        Assert.True(resumedAfter < TimeSpan.FromSeconds(15), $"the distillation grain came back on {survivor.Name} only after {resumedAfter.TotalSeconds:F1} s");
        Assert.True(firstRoundAfter < TimeSpan.FromSeconds(60), $"no round ended on {survivor.Name} within 60 s of the kill");
        Assert.True(produced > 0, "the load produced no teacher records");
        Assert.Equal(produced, trained + refused);
        Assert.Equal(0, after.QueuedMessages);
    }
}
