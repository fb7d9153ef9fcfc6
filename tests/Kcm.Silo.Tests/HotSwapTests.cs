using System.Collections.Concurrent;
using Kcm.Contracts;
using Kcm.Silo.Tests.Support;
using Xunit.Abstractions;

namespace Kcm.Silo.Tests;

public sealed class HotSwapTests(ITestOutputHelper output)
{
    private const int Clients = 8;
    private const int Swaps = 24;

    [Fact]
    public async Task Infer_EightClientsDuringTwentyFourSwaps_NoFailureAndVersionsConsistentAndMonotonic()
    {
        await using var silo = await TestSilo.StartAsync();
        var failures = new ConcurrentQueue<string>();
        var answered = 0;
        var newestPublished = 1; // versions 1..newestPublished exist; newestPublished + 1 may be mid-swap
        using var stop = new CancellationTokenSource();

        async Task ClientAsync(int client)
        {
            var lastSeen = 0;
            while (!stop.IsCancellationRequested)
            {
                // Mixed traffic: the large-route sample keeps teacher records flowing so every distill round has data.
                var response = await silo.InferOkAsync(TestModels.Confident(), TestModels.Confident(), TestModels.Doubtful(hot: client % 7));
                var existing = Volatile.Read(ref newestPublished) + 1;
                var versions = response.Results.Select(r => r.SmallModelVersion).Distinct().ToList();
                if (versions.Count != 1)
                {
                    failures.Enqueue($"client {client}: one batch named versions {string.Join(",", versions)}");
                }

                var version = versions[0];
                if (version < lastSeen)
                {
                    failures.Enqueue($"client {client}: version went back from {lastSeen} to {version}");
                }

                if (version > existing)
                {
                    failures.Enqueue($"client {client}: version {version} did not exist yet (newest {existing})");
                }

                // Generation g answers class g mod 10: a half-loaded or mixed model would answer another class.
                foreach (var result in response.Results.Where(r => r.Route == InferenceRoute.Small))
                {
                    if (result.Label != version % TestModels.Classes)
                    {
                        failures.Enqueue($"client {client}: version {version} answered class {result.Label}");
                    }
                }

                lastSeen = version;
                Interlocked.Increment(ref answered);
            }
        }

        var stopwatch = System.Diagnostics.Stopwatch.StartNew();
        var clients = Enumerable.Range(0, Clients).Select(c => Task.Run(() => ClientAsync(c))).ToList();
        for (var swap = 0; swap < Swaps; swap++)
        {
            await Task.Delay(15);
            while (silo.Host.Node.Grains!.Teachers.Count == 0)
            {
                await Task.Delay(5);
            }

            var round = await silo.DistillAsync();
            Assert.True(round.Promoted, round.Detail);
            Assert.Equal(swap + 2, round.CurrentVersion);
            Volatile.Write(ref newestPublished, round.CurrentVersion);
        }

        await Task.Delay(50);
        await stop.CancelAsync();
        await Task.WhenAll(clients); // a failed request throws here

        output.WriteLine($"{answered} requests (3 samples each) answered in {stopwatch.Elapsed.TotalSeconds:F2} s during {Swaps} swaps");
        Assert.True(failures.IsEmpty, string.Join("\n", failures.Take(20)));
        Assert.True(answered >= Swaps, $"only {answered} requests were answered during {Swaps} swaps");
        var model = await silo.GetModelAsync();
        Assert.Equal(Swaps + 1, model.SmallModel.CurrentVersion);
        Assert.True(silo.Trainer.SamplesSeen > 0);
    }
}
