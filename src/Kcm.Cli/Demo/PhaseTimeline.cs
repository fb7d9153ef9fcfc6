using Kcm.Contracts;

namespace Kcm.Cli.Demo;

/// <summary>
/// How a traffic phase went over its samples: accuracy and large-model share window by window (windows of about
/// <see cref="WindowSamples"/> samples, never across a wave boundary) and the small-model swaps the answers show.
/// Samples are in sending order; with several requests in flight a swap may be placed a few batches early or late.
/// </summary>
internal sealed record PhaseTimeline(IReadOnlyList<TrafficWindow> Windows, IReadOnlyList<SmallModelSwap> Swaps)
{
    public const int WindowSamples = 500;

    /// <summary>
    /// Builds the timeline from each sample's answer, true label, route and small-model version, given the first sample
    /// of each wave (ascending, starting at 0).
    /// </summary>
    public static PhaseTimeline Build(
        ReadOnlySpan<int> answers, ReadOnlySpan<int> labels, ReadOnlySpan<InferenceRoute> routes, ReadOnlySpan<int> versions, IReadOnlyList<int> waveStarts)
    {
        var count = answers.Length;
        if (labels.Length != count || routes.Length != count || versions.Length != count)
        {
            throw new ArgumentException($"Need one label, route and version per answer (have {count} answers, {labels.Length} labels, {routes.Length} routes, {versions.Length} versions).");
        }

        var windows = new List<TrafficWindow>();
        for (var wave = 0; wave < waveStarts.Count; wave++)
        {
            var start = waveStarts[wave];
            var end = wave + 1 < waveStarts.Count ? waveStarts[wave + 1] : count;
            var pieces = Math.Max(1, (int)Math.Round((end - start) / (double)WindowSamples));
            for (var piece = 0; piece < pieces; piece++)
            {
                var from = start + (int)((long)piece * (end - start) / pieces);
                var to = start + (int)((long)(piece + 1) * (end - start) / pieces);
                if (to > from)
                {
                    windows.Add(Window(wave, from, to, answers, labels, routes, versions));
                }
            }
        }

        var swaps = new List<SmallModelSwap>();
        var newest = count > 0 ? versions[0] : 0;
        for (var i = 1; i < count; i++)
        {
            if (versions[i] > newest)
            {
                newest = versions[i];
                swaps.Add(new SmallModelSwap(newest, i));
            }
        }

        return new PhaseTimeline(windows, swaps);
    }

    private static TrafficWindow Window(
        int wave, int from, int to, ReadOnlySpan<int> answers, ReadOnlySpan<int> labels, ReadOnlySpan<InferenceRoute> routes, ReadOnlySpan<int> versions)
    {
        int correct = 0, large = 0, version = 0;
        for (var i = from; i < to; i++)
        {
            correct += answers[i] == labels[i] ? 1 : 0;
            large += routes[i] == InferenceRoute.Large ? 1 : 0;
            version = Math.Max(version, versions[i]);
        }

        var samples = to - from;
        return new TrafficWindow(wave, from, samples, (double)correct / samples, (double)large / samples, version);
    }
}
