using Kcm.Contracts;

namespace Kcm.Grains.Ensemble;

/// <summary>Greedy DeePEn generation over one loaded ensemble, a bounded number of streams at a time.</summary>
public interface IEnsembleGrain
{
    /// <summary>The ensemble's name: the {model} of its generate route.</summary>
    string ModelName { get; }

    /// <summary>The member model names, in the manifest's order.</summary>
    IReadOnlyList<string> MemberNames { get; }

    /// <summary>Generations decoding now.</summary>
    int ActiveGenerations { get; }

    /// <summary>Generations waiting for a slot.</summary>
    int QueuedGenerations { get; }

    /// <summary>Generations that ended because their caller cancelled (e.g. the HTTP client went away).</summary>
    long CancelledGenerations { get; }

    /// <summary>Generations that ended normally (length, stop, end of text or context).</summary>
    long CompletedGenerations { get; }

    /// <summary>
    /// Validates <paramref name="request"/>, waits for a slot and starts decoding in the background. Throws
    /// <see cref="GenerationRefusedException"/> before anything is decoded when the request is wrong or no slot frees
    /// in time. Cancelling <paramref name="cancellationToken"/> (or disposing the stream) stops the decoding.
    /// </summary>
    Task<GenerationStream> StartAsync(GenerateRequest request, CancellationToken cancellationToken);
}
