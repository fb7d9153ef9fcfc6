using System.Diagnostics;
using Kcm.Client;
using Kcm.Contracts;
using Kcm.Core.Data;
using Spectre.Console;

namespace Kcm.Cli.Demo;

/// <summary>
/// Streams a dataset through the client as unlabelled traffic (the labels stay here, only to score the answers),
/// with a live bar: throughput, large-model share, small model version, accuracy so far and distillation rounds.
/// The data can be sent in waves with a pause between them (see <see cref="RunAsync"/>); throughput counts
/// only the time traffic flowed.
/// </summary>
internal sealed class TrafficPhase(KcmClient client, MetricsSource metrics, DemoOptions options)
{
    public async Task<PhaseResult> RunAsync(string name, Dataset data, int waves = 1, Func<Task>? betweenWaves = null)
    {
        var count = data.Count;
        var labels = new int[count];
        var routes = new InferenceRoute[count];
        var serverLatency = new double[count];
        var versions = new int[count];
        var batchCount = (count + options.Batch - 1) / options.Batch;
        var requestLatency = new double[batchCount];
        long answered = 0, correct = 0, large = 0;
        var newestVersion = 0;
        var waveStarts = new List<int>();

        var stopwatch = new Stopwatch();
        var pausing = 0;
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = options.Concurrency };
        var work = SendWavesAsync();

        async Task SendWavesAsync()
        {
            waves = Math.Clamp(waves, 1, batchCount);
            for (var wave = 0; wave < waves; wave++)
            {
                var from = (int)((long)wave * batchCount / waves);
                var to = (int)((long)(wave + 1) * batchCount / waves);
                waveStarts.Add(from * options.Batch);
                stopwatch.Start();
                await Parallel.ForEachAsync(Enumerable.Range(from, to - from), parallel, SendBatchAsync).ConfigureAwait(false);
                stopwatch.Stop();
                if (wave < waves - 1 && betweenWaves is not null)
                {
                    Volatile.Write(ref pausing, 1);
                    await betweenWaves().ConfigureAwait(false);
                    Volatile.Write(ref pausing, 0);
                }
            }
        }

        async ValueTask SendBatchAsync(int batch, CancellationToken token)
        {
            var first = batch * options.Batch;
            var size = Math.Min(options.Batch, count - first);
            var started = Stopwatch.GetTimestamp();
            var response = await client.InferAsync(
                data.Features.AsMemory(first * data.FeatureCount, size * data.FeatureCount), size, cancellationToken: token).ConfigureAwait(false);
            requestLatency[batch] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            if (response.Results.Length != size)
            {
                throw new InvalidOperationException($"The silo answered {response.Results.Length} results for a batch of {size}.");
            }

            int batchCorrect = 0, batchLarge = 0, batchNewest = 0;
            for (var i = 0; i < size; i++)
            {
                var result = response.Results[i];
                labels[first + i] = result.Label;
                routes[first + i] = result.Route;
                serverLatency[first + i] = result.LatencyMs;
                versions[first + i] = result.SmallModelVersion;
                batchCorrect += result.Label == data.Labels[first + i] ? 1 : 0;
                batchLarge += result.Route == InferenceRoute.Large ? 1 : 0;
                batchNewest = Math.Max(batchNewest, result.SmallModelVersion);
            }

            Interlocked.Add(ref correct, batchCorrect);
            Interlocked.Add(ref large, batchLarge);
            Interlocked.Add(ref answered, size);
            InterlockedMax(ref newestVersion, batchNewest);
        }

        var rounds = DistillationCounts.None;
        await AnsiConsole.Progress().AutoClear(false).HideCompleted(false).AutoRefresh(true)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .StartAsync(async context =>
            {
                var task = context.AddTask(name, maxValue: count);
                var clock = Stopwatch.StartNew();
                TimeSpan? lastMetrics = null;
                while (true)
                {
                    var finished = await Task.WhenAny(work, Task.Delay(250)).ConfigureAwait(false) == work;
                    if (finished || lastMetrics is null || clock.Elapsed - lastMetrics > TimeSpan.FromSeconds(1))
                    {
                        rounds = await DistillationCounts.ReadAsync(metrics, CancellationToken.None).ConfigureAwait(false);
                        lastMetrics = clock.Elapsed;
                    }

                    var done = Interlocked.Read(ref answered);
                    task.Value = done;
                    task.Description = Describe(name, done, stopwatch.Elapsed.TotalSeconds, Interlocked.Read(ref large), Interlocked.Read(ref correct),
                        Volatile.Read(ref newestVersion), rounds, Volatile.Read(ref pausing) == 1);
                    if (finished)
                    {
                        break;
                    }
                }
            }).ConfigureAwait(false);

        await work.ConfigureAwait(false);
        var seconds = stopwatch.Elapsed.TotalSeconds;
        var timeline = PhaseTimeline.Build(labels, data.Labels, routes, versions, waveStarts);
        return Summarise(name, data, labels, routes, serverLatency, versions, requestLatency, seconds, timeline);
    }

    private static string Describe(string name, long done, double seconds, long large, long correct, int version, DistillationCounts rounds, bool pausing)
    {
        if (done == 0)
        {
            return Markup.Escape(name);
        }

        return Markup.Escape(
            $"{name}: {done / Math.Max(seconds, 1e-9):N0} samples/s | large {(double)large / done:P1} | small v{version} | "
            + $"accuracy {(double)correct / done:P2} | rounds {rounds.Total} ({rounds.Accepted} swapped)"
            + (pausing ? " | paused: distiller catching up" : ""));
    }

    private static PhaseResult Summarise(
        string name, Dataset data, int[] labels, InferenceRoute[] routes, double[] serverLatency, int[] versions, double[] requestLatency, double seconds,
        PhaseTimeline timeline)
    {
        var count = data.Count;
        var small = new List<double>(count);
        var large = new List<double>(count);
        int correct = 0, smallCorrect = 0, largeCorrect = 0;
        for (var i = 0; i < count; i++)
        {
            var right = labels[i] == data.Labels[i];
            correct += right ? 1 : 0;
            if (routes[i] == InferenceRoute.Small)
            {
                small.Add(serverLatency[i]);
                smallCorrect += right ? 1 : 0;
            }
            else
            {
                large.Add(serverLatency[i]);
                largeCorrect += right ? 1 : 0;
            }
        }

        var requests = new List<double>(requestLatency);
        return new PhaseResult(
            name,
            count,
            (double)correct / count,
            small.Count == 0 ? double.NaN : (double)smallCorrect / small.Count,
            large.Count == 0 ? double.NaN : (double)largeCorrect / large.Count,
            (double)large.Count / count,
            seconds,
            count / seconds,
            Percentile.Of(small, 50),
            Percentile.Of(small, 99),
            Percentile.Of(large, 50),
            Percentile.Of(large, 99),
            Percentile.Of(requests, 50),
            Percentile.Of(requests, 99),
            versions.Min(),
            versions.Max(),
            timeline);
    }

    private static void InterlockedMax(ref int target, int value)
    {
        var current = Volatile.Read(ref target);
        while (value > current)
        {
            var seen = Interlocked.CompareExchange(ref target, value, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }
}
