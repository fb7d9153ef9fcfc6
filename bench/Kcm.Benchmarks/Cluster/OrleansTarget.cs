using Kcm.Abstractions.Classification;
using OrleansClient = Kcm.Client.KcmClient;

namespace Kcm.Benchmarks.Cluster;

/// <summary>An Orleans silo or cluster through the Orleans client SDK (Kcm.Client): one grain call per batch.</summary>
internal sealed class OrleansTarget(string name, OrleansClient client) : IServingTarget
{
    public const string Model = "fashion-mnist";

    public string Name { get; } = name;

    public async Task<int> ClassifyAsync(float[][] rows)
    {
        var width = rows[0].Length;
        var features = new float[rows.Length * width];
        for (var i = 0; i < rows.Length; i++)
        {
            rows[i].CopyTo(features, i * width);
        }

        var result = await client.ClassifyAsync(Model, features, rows.Length).ConfigureAwait(false);
        return result.Routes.Count(r => r == SampleRoute.Large);
    }

    public async Task SetThresholdAsync(double threshold)
    {
        await client.SetThresholdAsync(Model, threshold).ConfigureAwait(false);
        // Every silo follows within a poll period; a few classify calls later they all answer with it.
        var probe = new float[Kcm.Core.Data.FashionMnist.PixelCount];
        for (var tries = 0; tries < 100; tries++)
        {
            if ((await client.ClassifyAsync(Model, probe, 1).ConfigureAwait(false)).Threshold == threshold)
            {
                return;
            }

            await Task.Delay(100).ConfigureAwait(false);
        }

        throw new InvalidOperationException($"{Name} did not serve threshold {threshold} within 10 s.");
    }

    public ValueTask DisposeAsync() => client.DisposeAsync();
}
