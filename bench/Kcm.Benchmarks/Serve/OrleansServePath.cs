using Kcm.Abstractions.Classification;
using Kcm.Client;

namespace Kcm.Benchmarks.Serve;

/// <summary>The Orleans client SDK over the silo's gateway on loopback: one grain call to the judge per batch.</summary>
internal sealed class OrleansServePath(KcmClient client, string model) : IServePath
{
    public string Name => "Orleans client";

    public async Task ClassifyAsync(float[] features, int rows, int[] labels, bool[] small, int offset, CancellationToken cancellationToken)
    {
        var result = await client.ClassifyAsync(model, features, rows, returnProbabilities: false, cancellationToken).ConfigureAwait(false);
        result.Labels.AsSpan().CopyTo(labels.AsSpan(offset, rows));
        for (var i = 0; i < rows; i++)
        {
            small[offset + i] = result.Routes[i] == SampleRoute.Small;
        }
    }
}
