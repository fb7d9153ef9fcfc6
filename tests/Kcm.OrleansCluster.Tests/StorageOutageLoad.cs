using System.Diagnostics;
using Kcm.Abstractions.Classification;
using Kcm.Client;

namespace Kcm.OrleansCluster.Tests;

/// <summary>
/// The storage-outage test's load: one loop per client through the Orleans client, a small batch per call with a short
/// pause between calls (a steady stream of teacher records that the distiller can catch up with after the outage),
/// every call recorded with the rows each route answered.
/// </summary>
public sealed class StorageOutageLoad
{
    private readonly List<StorageOutageCall> _calls = [];
    private readonly Lock _lock = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loops;

    private StorageOutageLoad(IReadOnlyList<KcmClient> clients, float[] images, int featureCount, int rows, TimeSpan pause)
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
                int small = 0, large = 0;
                string? failure = null;
                try
                {
                    var result = await client.ClassifyAsync(Support.ClusterLoad.Model, batch, rows);
                    small = result.Routes.Count(r => r == SampleRoute.Small);
                    large = result.Routes.Count(r => r == SampleRoute.Large);
                }
                catch (Exception e)
                {
                    failure = $"{e.GetType().Name}: {e.Message}";
                }

                lock (_lock)
                {
                    _calls.Add(new StorageOutageCall(started, _clock.Elapsed.TotalSeconds, small, large, failure));
                }

                try
                {
                    await Task.Delay(pause, _stop.Token);
                }
                catch (OperationCanceledException)
                {
                }
            }
        })));
    }

    /// <summary>Seconds since the load started.</summary>
    public double Elapsed => _clock.Elapsed.TotalSeconds;

    public static StorageOutageLoad Start(IReadOnlyList<KcmClient> clients, float[] images, int featureCount, int rows, TimeSpan pause) =>
        new(clients, images, featureCount, rows, pause);

    /// <summary>Lets the calls in flight finish and returns every call, in order of start.</summary>
    public async Task<IReadOnlyList<StorageOutageCall>> StopAsync()
    {
        await _stop.CancelAsync();
        await _loops;
        lock (_lock)
        {
            return [.. _calls.OrderBy(c => c.Start)];
        }
    }
}
