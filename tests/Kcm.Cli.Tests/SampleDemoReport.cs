using Kcm.Cli.Demo;
using Kcm.Contracts;

namespace Kcm.Cli.Tests;

/// <summary>A demo report built from made-up per-sample answers (2 traffic waves, swaps within and between phases), for chart tests.</summary>
internal static class SampleDemoReport
{
    public static DemoReport Create()
    {
        var options = DemoOptions.Quick;
        // Live traffic: v1, v2 from sample 3,000, v3 from the second wave (swapped in the pause); the test set starts on v4.
        var traffic = Phase("live traffic", options.Traffic, [0, 4_512], i => i < 3_000 ? 1 : i < 4_512 ? 2 : 3, seed: 1);
        var test = Phase("test set", options.TestSize, [0], i => i < 1_000 ? 4 : 5, seed: 2);
        var versions = Enumerable.Range(1, 5).Select(v => new SmallModelVersionInfo(v, DateTimeOffset.UnixEpoch, "00", 0.8 + (v * 0.01))).ToArray();
        return new DemoReport(
            DateTimeOffset.UnixEpoch,
            options,
            new LargeModelCheck("models/fashion-cnn.onnx", "1.30.0", 10_000, 9_324, 0.9324, 0.9324, 9_324, true, 5_000),
            12.0,
            0.98,
            traffic,
            test,
            new DistillationCounts(4, 1, 0, 0),
            0.8,
            5,
            versions,
            60.0);
    }

    private static PhaseResult Phase(string name, int count, int[] waveStarts, Func<int, int> version, int seed)
    {
        var random = new Random(seed);
        var labels = new int[count];
        var answers = new int[count];
        var routes = new InferenceRoute[count];
        var versions = new int[count];
        for (var i = 0; i < count; i++)
        {
            versions[i] = version(i);
            // Later versions are right more often and send fewer samples to the large model.
            routes[i] = random.NextDouble() < 0.8 - (versions[i] * 0.1) ? InferenceRoute.Large : InferenceRoute.Small;
            answers[i] = random.NextDouble() < 0.88 + (versions[i] * 0.01) ? 0 : 1;
        }

        var timeline = PhaseTimeline.Build(answers, labels, routes, versions, waveStarts);
        return new PhaseResult(name, count, 0.9, 0.88, 0.93, 0.5, 10, count / 10.0, 0.3, 0.6, 2, 5, 3, 8, versions.Min(), versions.Max(), timeline);
    }
}
