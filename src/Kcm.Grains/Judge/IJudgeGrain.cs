using Kcm.Core.Models;

namespace Kcm.Grains.Judge;

/// <summary>Owns the judge model and its confidence threshold; scores batches.</summary>
public interface IJudgeGrain
{
    /// <summary>Features per sample the judge takes.</summary>
    int InputSize { get; }

    /// <summary>Classes the judge scores.</summary>
    int ClassCount { get; }

    /// <summary>Writes the judge's class probabilities (batch x classes) and each sample's confidence max softmax.</summary>
    ValueTask ScoreAsync(ReadOnlyMemory<float> inputs, int batchSize, Memory<float> probabilities, Memory<float> confidences, CancellationToken cancellationToken);

    /// <summary>The threshold epsilon in force: samples with confidence at or above it go to the small model.</summary>
    ValueTask<double> GetThresholdAsync();

    /// <summary>Persists and applies a new threshold in (0, 1); returns the previous one.</summary>
    Task<double> SetThresholdAsync(double epsilon, CancellationToken cancellationToken);

    /// <summary>The judge serving now.</summary>
    JudgeVersion Current { get; }

    /// <summary>Stores <paramref name="candidate"/> as the next judge version, loads it back (verified) and makes it current.</summary>
    Task<JudgeVersion> PublishAsync(IClassifier candidate, double checkAccuracy, CancellationToken cancellationToken);
}
