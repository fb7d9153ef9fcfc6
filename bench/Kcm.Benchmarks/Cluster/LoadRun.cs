using System.Diagnostics;
using Kcm.Client;
using Kcm.Contracts;

namespace Kcm.Benchmarks.Cluster;

/// <summary>Sends every image once through a front, <c>concurrency</c> requests in flight, and measures.</summary>
internal static class LoadRun
{
    public static async Task<LoadResult> RunAsync(Uri front, float[][] images, int batch, int concurrency)
    {
        using var client = new KcmClient(front, new KcmClientOptions { MaxBatchSize = batch, MaxConcurrency = 1 });
        var batches = (images.Length + batch - 1) / batch;
        var latencies = new double[batches];
        var large = 0;
        var next = -1;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
        {
            for (var b = Interlocked.Increment(ref next); b < batches; b = Interlocked.Increment(ref next))
            {
                var first = b * batch;
                var rows = images[first..Math.Min(images.Length, first + batch)];
                var started = Stopwatch.GetTimestamp();
                var response = await client.InferAsync(rows).ConfigureAwait(false);
                latencies[b] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                Interlocked.Add(ref large, response.Results.Count(r => r.Route == InferenceRoute.Large));
            }
        }))).ConfigureAwait(false);
        var seconds = clock.Elapsed.TotalSeconds;
        Array.Sort(latencies);
        return new LoadResult(images.Length / seconds, Percentile(latencies, 0.50), Percentile(latencies, 0.99), (double)large / images.Length);
    }

    private static double Percentile(double[] sorted, double q) => sorted[Math.Clamp((int)Math.Ceiling(q * sorted.Length) - 1, 0, sorted.Length - 1)];
}
