using System.Runtime.CompilerServices;
using Kcm.Abstractions.Generation;

namespace Kcm.Client;

/// <summary>Ensemble generation, streamed from the ensemble grain.</summary>
public sealed partial class KcmClient
{
    /// <summary>Tokens a generation makes when the caller names no limit (the HTTP API's default).</summary>
    public const int DefaultMaxTokens = 32;

    /// <summary>The ensemble mode when the caller names none (the HTTP API's default).</summary>
    public const string DefaultGenerationMode = "avg";

    /// <summary>
    /// Streams the continuation of <paramref name="prompt"/> by the ensemble <paramref name="ensemble"/>: a
    /// <see cref="GeneratedToken"/> per token, then one <see cref="GenerationFinished"/>. A refusal throws
    /// <see cref="KcmGenerationRefusedException"/> before the first token. Not retried (a stream cannot resume);
    /// stopping the enumeration or cancelling <paramref name="cancellationToken"/> ends it.
    /// </summary>
    /// <param name="ensemble">The ensemble's name.</param>
    /// <param name="prompt">The text to continue.</param>
    /// <param name="maxTokens">Most tokens to generate, at least 1.</param>
    /// <param name="stop">Strings that end generation (not sent); null for none.</param>
    /// <param name="mode">The ensemble mode: main, avg, adapt, sparse or gated.</param>
    /// <param name="cancellationToken">Ends the stream.</param>
    public async IAsyncEnumerable<GenerationStep> GenerateAsync(
        string ensemble,
        string prompt,
        int maxTokens = DefaultMaxTokens,
        IReadOnlyList<string>? stop = null,
        string mode = DefaultGenerationMode,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ClientArguments.CheckName(ensemble, nameof(ensemble));
        ArgumentNullException.ThrowIfNull(prompt);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxTokens, 1);
        ArgumentException.ThrowIfNullOrWhiteSpace(mode);
        var request = new GenerationPrompt(prompt, maxTokens, stop is null ? [] : [.. stop], mode);
        var steps = _cluster.GetGrain<IEnsembleGrain>(ensemble).GenerateAsync(request, cancellationToken);
        var what = $"generation by '{ensemble}'";
        var enumerator = steps.GetAsyncEnumerator(cancellationToken);
        await using (enumerator.ConfigureAwait(false))
        {
            while (true)
            {
                GenerationStep step;
                try
                {
                    if (!await enumerator.MoveNextAsync().ConfigureAwait(false))
                    {
                        yield break;
                    }

                    step = enumerator.Current;
                }
                catch (GenerationRefusedException refusal)
                {
                    throw new KcmGenerationRefusedException(refusal.Code, $"{what} refused ({refusal.Code}): {refusal.Message}", refusal.Retriable, refusal);
                }
                catch (Exception exception) when (TransientFailures.IsTransient(exception))
                {
                    throw new KcmUnavailableException($"{what}: {exception.Message}", status: null, exception);
                }

                yield return step;
                if (step is GenerationFinished)
                {
                    yield break;
                }
            }
        }
    }

    /// <summary>The ensemble's name and members. Retried on transient failures.</summary>
    public Task<EnsembleDescription> DescribeEnsembleAsync(string ensemble, CancellationToken cancellationToken = default)
    {
        ClientArguments.CheckName(ensemble, nameof(ensemble));
        return RunIdempotentAsync(
            static (grain, token) => grain.DescribeAsync().WaitAsync(token),
            _cluster.GetGrain<IEnsembleGrain>(ensemble), $"description of ensemble '{ensemble}'", cancellationToken);
    }
}
