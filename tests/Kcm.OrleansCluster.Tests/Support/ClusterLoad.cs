using System.Diagnostics;
using Kcm.Client;

namespace Kcm.OrleansCluster.Tests.Support;

/// <summary>
/// A bounded load through the Orleans client: one loop per client (each its own Orleans client connection, so each
/// picks its own gateway, as separate services would), classifying batches of test images one call after another
/// until stopped. Every call is recorded (start, end, failure), none is dropped.
/// </summary>
public sealed class ClusterLoad
{
    public const string Model = "fashion-mnist";

    private readonly List<CallRecord> _calls = [];
    private readonly Lock _lock = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loops;

    private ClusterLoad(IReadOnlyList<KcmClient> clients, float[] images, int featureCount, int rows)
    {
        var imageCount = images.Length / featureCount;
        _loops = Task.WhenAll(Enumerable.Range(0, clients.Count).Select(c => Task.Run(async () =>
        {
            var client = clients[c];
            for (var call = 0; !_stop.IsCancellationRequested; call++)
            {
                var first = ((c * 997) + (call * rows)) % (imageCount - rows);
                var batch = images[(first * featureCount)..((first + rows) * featureCount)];
                var started = _clock.Elapsed.TotalSeconds;
                string? failure = null;
                try
                {
                    await client.ClassifyAsync(Model, batch, rows);
                }
                catch (Exception e)
                {
                    failure = $"{e.GetType().Name}: {e.Message}";
                }

                lock (_lock)
                {
                    _calls.Add(new CallRecord(started, _clock.Elapsed.TotalSeconds, failure));
                }
            }
        })));
    }

    /// <summary>Seconds since the load started.</summary>
    public double Elapsed => _clock.Elapsed.TotalSeconds;

    /// <summary>Starts one loop of <paramref name="rows"/>-image batches per client.</summary>
    public static ClusterLoad Start(IReadOnlyList<KcmClient> clients, float[] images, int featureCount, int rows = 4) =>
        new(clients, images, featureCount, rows);

    /// <summary>Lets the calls in flight finish and returns every call.</summary>
    public async Task<LoadRecording> StopAsync()
    {
        await _stop.CancelAsync();
        await _loops;
        var seconds = _clock.Elapsed.TotalSeconds;
        lock (_lock)
        {
            return new LoadRecording([.. _calls.OrderBy(c => c.Start)], seconds);
        }
    }
}
