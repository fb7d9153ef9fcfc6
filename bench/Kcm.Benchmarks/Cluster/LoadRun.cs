using System.Diagnostics;

namespace Kcm.Benchmarks.Cluster;

/// <summary>Sends every image once to a target, <c>concurrency</c> requests in flight, and measures.</summary>
internal static class LoadRun
{
    public static async Task<LoadResult> RunAsync(IServingTarget target, float[][] images, int batch, int concurrency)
    {
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
                var routedLarge = await target.ClassifyAsync(rows).ConfigureAwait(false);
                latencies[b] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                Interlocked.Add(ref large, routedLarge);
            }
        }))).ConfigureAwait(false);
        var seconds = clock.Elapsed.TotalSeconds;
        Array.Sort(latencies);
        return new LoadResult(images.Length / seconds, Percentile(latencies, 0.50), Percentile(latencies, 0.99), (double)large / images.Length);
    }

    private static double Percentile(double[] sorted, double q) => sorted[Math.Clamp((int)Math.Ceiling(q * sorted.Length) - 1, 0, sorted.Length - 1)];
}
