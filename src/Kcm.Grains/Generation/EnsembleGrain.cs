using System.Runtime.CompilerServices;
using Kcm.Abstractions.Generation;
using Kcm.Placement;
using Orleans.Concurrency;

namespace Kcm.Grains.Generation;

/// <summary>
/// DeePEn generation over the silo's <see cref="LoadedEnsemble"/> (key: the ensemble's name), on gpu silos only,
/// streamed token by token. The grain holds nothing: the ensemble, its slots and its queue are the silo's.
/// </summary>
/// <remarks>
/// One stateless worker per silo, not several: Orleans keeps a streamed call's enumerator in the activation that
/// started it, and routes each later <c>MoveNext</c> of a stateless worker to whichever local worker is idle, so with
/// several workers a stream's next batch can reach a worker that does not know it (MissingEnumerator). One activation
/// serves any number of streams at once: enumeration calls interleave, and decoding runs on the thread pool, bounded
/// by the ensemble's slots.
/// </remarks>
[StatelessWorker(1)]
[GpuPlacementFilter]
public sealed class EnsembleGrain(LoadedEnsemble? ensemble = null) : Grain, IEnsembleGrain
{
    /// <inheritdoc />
    public async IAsyncEnumerable<GenerationStep> GenerateAsync(
        GenerationPrompt prompt, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var generation = await Served().StartAsync(prompt, cancellationToken);
        await using (generation)
        {
            await foreach (var step in generation.ReadAllAsync(cancellationToken))
            {
                yield return step;
            }
        }
    }

    /// <inheritdoc />
    public Task<EnsembleDescription> DescribeAsync() => Task.FromResult(Served().Describe());

    private LoadedEnsemble Served()
    {
        var key = this.GetPrimaryKeyString();
        if (ensemble?.Name is not { } name)
        {
            throw ensemble is null ? GenerationRefusals.UnknownModel(key, served: null) : GenerationRefusals.NotReady();
        }

        return string.Equals(name, key, StringComparison.Ordinal) ? ensemble : throw GenerationRefusals.UnknownModel(key, name);
    }
}
