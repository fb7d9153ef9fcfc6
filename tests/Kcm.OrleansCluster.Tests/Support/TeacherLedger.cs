using Kcm.Abstractions.Distillation;
using Kcm.Storage.Azure;

namespace Kcm.OrleansCluster.Tests.Support;

/// <summary>
/// The teacher-record books of the cluster at one moment: records the gpu silos' producers accepted (their
/// <c>kcm_teacher_records_queued_total</c>, since each process started), records still in their buffers, messages in
/// the Azure Storage queue (asked of Azurite itself, leased ones included), and what the distillation grain's stored
/// counts say rounds trained on, refused and saw again.
/// </summary>
public sealed record TeacherLedger(double Produced, double Buffered, int QueuedMessages, DistillationStatus Distillation)
{
    /// <summary>Records the rounds are done with: trained on or refused.</summary>
    public long Settled => Distillation.RecordsConsumed + Distillation.RecordsRefused;

    public static async Task<TeacherLedger> ReadAsync(ProcessClusterFixture cluster)
    {
        var gpus = cluster.WithRole("gpu").Where(s => s.IsRunning).ToList();
        var produced = await Task.WhenAll(gpus.Select(g => g.MetricAsync("kcm_teacher_records_queued_total")));
        var buffered = await Task.WhenAll(gpus.Select(g => g.MetricAsync("kcm_teacher_queue_buffered")));
        var queue = AzureStorageClients.Queue(cluster.Azurite.ConnectionString, AzureStorageNames.Queue(ClusterLoad.Model));
        var messages = (await queue.GetPropertiesAsync()).Value.ApproximateMessagesCount;
        var status = await cluster.Client.GetDistillationStatusAsync(ClusterLoad.Model);
        return new TeacherLedger(produced.Sum(), buffered.Sum(), messages, status);
    }

    /// <summary>
    /// A quiet starting point with no load running: the producers' buffers sent, the backlog earlier tests left in the
    /// queue cleared (so a test does not wait for rounds on records it did not make), no round running, the books still.
    /// </summary>
    public static async Task<TeacherLedger> QuietAsync(ProcessClusterFixture cluster, TimeSpan timeout)
    {
        var until = DateTime.UtcNow + timeout;
        TeacherLedger? previous = null;
        while (DateTime.UtcNow < until)
        {
            var now = await ReadAsync(cluster);
            if (now.Buffered == 0 && now.QueuedMessages > 0)
            {
                await AzureStorageClients.Queue(cluster.Azurite.ConnectionString, AzureStorageNames.Queue(ClusterLoad.Model)).ClearMessagesAsync();
            }
            else if (now is { Buffered: 0, QueuedMessages: 0, Distillation.RoundRunning: false } && previous is not null
                && previous.Settled == now.Settled && previous.Produced == now.Produced)
            {
                return now;
            }

            previous = now;
            await Task.Delay(TimeSpan.FromSeconds(1));
        }

        throw new TimeoutException($"The teacher queue did not quiet down within {timeout}: {previous}.");
    }

    /// <summary>
    /// Waits (no load running) until every record produced since <paramref name="start"/> is settled and the queue is
    /// empty, or <paramref name="timeout"/> passes; returns the books then, balanced or not.
    /// </summary>
    public static async Task<TeacherLedger> SettledSinceAsync(ProcessClusterFixture cluster, TeacherLedger start, TimeSpan timeout)
    {
        var until = DateTime.UtcNow + timeout;
        while (true)
        {
            var now = await ReadAsync(cluster);
            var balanced = now.Settled - start.Settled == now.Produced - start.Produced;
            if ((now is { Buffered: 0, QueuedMessages: 0, Distillation.RoundRunning: false } && balanced) || DateTime.UtcNow > until)
            {
                return now;
            }

            await Task.Delay(TimeSpan.FromSeconds(1));
        }
    }
}
