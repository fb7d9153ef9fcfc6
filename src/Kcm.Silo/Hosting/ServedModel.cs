using Kcm.Abstractions.Classification;
using Microsoft.Extensions.Options;

namespace Kcm.Silo.Hosting;

/// <summary>
/// The served model's fixed description (input size, classes, the large model's name and hint input), asked once of
/// the large-model grain after the silo is ready and kept: the HTTP API validates every infer body against it.
/// </summary>
public sealed class ServedModel(IGrainFactory grains, IOptions<KcmSiloOptions> options)
{
    private LargeModelDescription? _description;

    /// <summary>The model name served under <c>/v1/models/{model}</c>.</summary>
    public string Name => options.Value.ModelName;

    /// <summary>The description; the first call asks the large-model grain (concurrent first calls may both ask: harmless).</summary>
    public async ValueTask<LargeModelDescription> DescribeAsync()
    {
        if (Volatile.Read(ref _description) is { } known)
        {
            return known;
        }

        var description = await grains.GetGrain<ILargeModelGrain>(Name).DescribeAsync().ConfigureAwait(false);
        Volatile.Write(ref _description, description);
        return description;
    }
}
