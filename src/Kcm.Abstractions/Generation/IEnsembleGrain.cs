using Orleans.CodeGeneration;

namespace Kcm.Abstractions.Generation;

/// <summary>DeePEn generation over one loaded ensemble (key: ensemble name) on gpu silos, streamed token by token.</summary>
[Alias("kcm.ensemble"), Version(1)]
public interface IEnsembleGrain : IGrainWithStringKey
{
    /// <summary>
    /// Streams the continuation of <paramref name="prompt"/>: tokens, then one <see cref="GenerationFinished"/>. Throws
    /// <see cref="GenerationRefusedException"/> before the first token when the request is wrong or no slot frees.
    /// </summary>
    [Alias("generate")]
    IAsyncEnumerable<GenerationStep> GenerateAsync(GenerationPrompt prompt, CancellationToken cancellationToken = default);

    /// <summary>The ensemble's name and members.</summary>
    [Alias("describe")]
    Task<EnsembleDescription> DescribeAsync();
}
