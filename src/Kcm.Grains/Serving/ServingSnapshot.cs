using Kcm.Abstractions.Registry;
using Kcm.Core.Models;

namespace Kcm.Grains.Serving;

/// <summary>
/// One serving version as loaded on this silo: its registry entry, the judge and small model decoded from verified
/// weights, and the threshold. Immutable: a batch that reads it once is served by one version from start to end.
/// </summary>
public sealed class ServingSnapshot
{
    /// <exception cref="InvalidDataException">The judge and small model disagree on features or classes.</exception>
    public ServingSnapshot(ServingVersion version, IClassifier judge, IClassifier small)
    {
        ArgumentNullException.ThrowIfNull(version);
        ArgumentNullException.ThrowIfNull(judge);
        ArgumentNullException.ThrowIfNull(small);
        if (judge.InputSize != small.InputSize || judge.ClassCount != small.ClassCount)
        {
            throw new InvalidDataException(
                $"Serving version {version.Version}: the judge takes {judge.InputSize} features and scores {judge.ClassCount} classes, "
                + $"the small model {small.InputSize} and {small.ClassCount}.");
        }

        Version = version;
        Judge = judge;
        Small = small;
    }

    /// <summary>The registry's serving version this snapshot serves.</summary>
    public ServingVersion Version { get; }

    /// <summary>The judge whose confidence routes each sample.</summary>
    public IClassifier Judge { get; }

    /// <summary>The small model that answers confident samples and hints the large model.</summary>
    public IClassifier Small { get; }

    /// <summary>The judge confidence at or above which the small model answers.</summary>
    public double Threshold => Version.Threshold;

    /// <summary>Features per sample.</summary>
    public int InputSize => Judge.InputSize;

    /// <summary>Classes scored.</summary>
    public int ClassCount => Judge.ClassCount;
}
