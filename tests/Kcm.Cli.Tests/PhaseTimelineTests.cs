using Kcm.Cli.Demo;
using Kcm.Contracts;

namespace Kcm.Cli.Tests;

public sealed class PhaseTimelineTests
{
    [Fact]
    public void Build_TwoWaves_CutsWindowsAtTheWaveBoundaryAndCountsEachWindow()
    {
        // Wave 0: samples 0-1199 (all right, all small); wave 1: 1200-1999 (every other one wrong and large).
        var count = 2_000;
        var labels = new int[count];
        var answers = Enumerable.Range(0, count).Select(i => i >= 1_200 && i % 2 == 1 ? 1 : 0).ToArray();
        var routes = Enumerable.Range(0, count).Select(i => i >= 1_200 && i % 2 == 1 ? InferenceRoute.Large : InferenceRoute.Small).ToArray();
        var versions = Enumerable.Repeat(1, count).ToArray();

        var timeline = PhaseTimeline.Build(answers, labels, routes, versions, [0, 1_200]);

        // 1,200 samples make 2 windows of 600; 800 make 2 of 400 (about PhaseTimeline.WindowSamples each).
        Assert.Equal([(0, 0, 600), (0, 600, 600), (1, 1_200, 400), (1, 1_600, 400)], timeline.Windows.Select(w => (w.Wave, w.FirstSample, w.Samples)));
        Assert.Equal([1.0, 1.0, 0.5, 0.5], timeline.Windows.Select(w => w.Accuracy));
        Assert.Equal([0.0, 0.0, 0.5, 0.5], timeline.Windows.Select(w => w.LargeShare));
        Assert.Empty(timeline.Swaps);
    }

    [Fact]
    public void Build_NewerVersions_MarksTheFirstSampleOfEachAndIgnoresALateOlderAnswer()
    {
        var versions = new int[1_000];
        Array.Fill(versions, 3, 0, 300);
        Array.Fill(versions, 4, 300, 400);
        Array.Fill(versions, 6, 700, 300);
        // A request in flight across the swap: answered by the older version after the newer one first appeared.
        versions[320] = 3;
        var labels = new int[1_000];
        var routes = new InferenceRoute[1_000];

        var timeline = PhaseTimeline.Build(labels, labels, routes, versions, [0]);

        Assert.Equal([new SmallModelSwap(4, 300), new SmallModelSwap(6, 700)], timeline.Swaps);
        Assert.Equal([4, 6], timeline.Windows.Select(w => w.SmallVersion));
    }

    [Fact]
    public void Build_MismatchedLengths_Throws()
    {
        var error = Assert.Throws<ArgumentException>(() => PhaseTimeline.Build(new int[3], new int[2], new InferenceRoute[3], new int[3], [0]));

        Assert.Contains("2 labels", error.Message, StringComparison.Ordinal);
    }
}
