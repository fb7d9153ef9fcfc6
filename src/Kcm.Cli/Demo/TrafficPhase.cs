using System.Diagnostics;
using Kcm.Contracts;
using Kcm.Core.Data;
using Spectre.Console;

namespace Kcm.Cli.Demo;

/// <summary>
/// Streams a dataset to the target as unlabelled traffic (the labels stay here, only to score the answers),
/// with a live bar: throughput, large-model share, small model version, accuracy so far and distillation rounds.
/// The data can be sent in waves with a pause between them (see <see cref="RunAsync"/>); throughput counts
/// only the time traffic flowed. <paramref name="cancellationToken"/> stops the sending and the reads.
/// </summary>
internal sealed class TrafficPhase(IDemoTarget target, DemoOptions options, CancellationToken cancellationToken = default)
{
    public async Task<PhaseResult> RunAsync(string name, Dataset data, int waves = 1, Func<Task>? betweenWaves = null)
    {
        var count = data.Count;
        var labels = new int[count];
        var routes = new InferenceRoute[count];
        var versions = new int[count];
        var batchCount = (count + options.Batch - 1) / options.Batch;
        var requestLatency = new double[batchCount];
        long answered = 0, correct = 0, large = 0;
        var newestVersion = 0;
        var waveStarts = new List<int>();

        var stopwatch = new Stopwatch();
        var pausing = 0;
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = options.Concurrency, CancellationToken = cancellationToken };
        var serverLatencies = new ServerLatencies();
        target.RecordServerLatencies(serverLatencies);
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
            var answer = await target.ClassifyAsync(data.Features.AsMemory(first * data.FeatureCount, size * data.FeatureCount), size, token).ConfigureAwait(false);
            requestLatency[batch] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            if (answer.Labels.Length != size || answer.Routes.Length != size)
            {
                throw new InvalidOperationException($"The silo answered {answer.Labels.Length} labels and {answer.Routes.Length} routes for a batch of {size}.");
            }

            int batchCorrect = 0, batchLarge = 0;
            answer.Labels.CopyTo(labels, first);
            answer.Routes.CopyTo(routes, first);
            Array.Fill(versions, answer.SmallModelVersion, first, size);
            for (var i = 0; i < size; i++)
            {
                batchCorrect += answer.Labels[i] == data.Labels[first + i] ? 1 : 0;
                batchLarge += answer.Routes[i] == InferenceRoute.Large ? 1 : 0;
            }

            Interlocked.Add(ref correct, batchCorrect);
            Interlocked.Add(ref large, batchLarge);
            Interlocked.Add(ref answered, size);
            InterlockedMax(ref newestVersion, answer.SmallModelVersion);
        }

        try
        {
            var rounds = DistillationCounts.None;
            await AnsiConsole.Progress().AutoClear(false).HideCompleted(false).AutoRefresh(true)
                .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
                .StartAsync(async context =>
                {
                    var task = context.AddTask(name, maxValue: count);
                    var clock = Stopwatch.StartNew();
                    TimeSpan? lastRead = null;
                    while (true)
                    {
                        var finished = await Task.WhenAny(work, Task.Delay(250)).ConfigureAwait(false) == work;
                        if (finished || lastRead is null || clock.Elapsed - lastRead > TimeSpan.FromSeconds(1))
                        {
                            rounds = (await target.ReadDistillationAsync(cancellationToken).ConfigureAwait(false)).Rounds;
                            lastRead = clock.Elapsed;
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
        }
        finally
        {
            target.RecordServerLatencies(null);
        }

        var seconds = stopwatch.Elapsed.TotalSeconds;
        var timeline = PhaseTimeline.Build(labels, data.Labels, routes, versions, waveStarts);
        var (smallLatencies, largeLatencies) = serverLatencies.Read();
        return Summarise(name, data, labels, routes, smallLatencies, largeLatencies, versions, requestLatency, seconds, timeline);
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
        string name, Dataset data, int[] labels, InferenceRoute[] routes, List<double> small, List<double> large, int[] versions, double[] requestLatency,
        double seconds, PhaseTimeline timeline)
    {
        var count = data.Count;
        int correct = 0, smallCount = 0, smallCorrect = 0, largeCorrect = 0;
        for (var i = 0; i < count; i++)
        {
            var right = labels[i] == data.Labels[i];
            correct += right ? 1 : 0;
            if (routes[i] == InferenceRoute.Small)
            {
                smallCount++;
                smallCorrect += right ? 1 : 0;
            }
            else
            {
                largeCorrect += right ? 1 : 0;
            }
        }

        var largeCount = count - smallCount;
        var requests = new List<double>(requestLatency);
        return new PhaseResult(
            name,
            count,
            (double)correct / count,
            smallCount == 0 ? double.NaN : (double)smallCorrect / smallCount,
            largeCount == 0 ? double.NaN : (double)largeCorrect / largeCount,
            (double)largeCount / count,
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
