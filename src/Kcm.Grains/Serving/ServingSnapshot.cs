using Kcm.Abstractions.Registry;
using Kcm.Core.Models;
using Kcm.Models;

namespace Kcm.Grains.Serving;

/// <summary>
/// One serving version as loaded on this silo: its registry entry, the judge and small model decoded from verified
/// weights (run by C# or as ONNX graphs), and the threshold. Immutable: a batch that reads it once is served by one
/// version from start to end. Counted: the holder holds it while it is current and every batch holds it through a
/// <see cref="SnapshotLease"/>; when the last lets go of a replaced snapshot, its models are released (an ONNX graph's
/// weights and session disposed unless a newer snapshot shares them).
/// </summary>
public sealed class ServingSnapshot
{
    private readonly HolderCount _holders = new();

    /// <exception cref="InvalidDataException">The judge and small model disagree on features or classes.</exception>
    public ServingSnapshot(ServingVersion version, IClassifier judge, IClassifier small)
        : this(version, new ServingModel(version?.Judge!, judge), new ServingModel(version?.Small!, small))
    {
    }

    /// <summary>A snapshot that takes over one hold on each of <paramref name="judge"/> and <paramref name="small"/>.</summary>
    /// <exception cref="InvalidDataException">The judge and small model disagree on features or classes.</exception>
    internal ServingSnapshot(ServingVersion version, ServingModel judge, ServingModel small)
    {
        ArgumentNullException.ThrowIfNull(version);
        ArgumentNullException.ThrowIfNull(judge?.Classifier);
        ArgumentNullException.ThrowIfNull(small?.Classifier);
        if (judge.Classifier.InputSize != small.Classifier.InputSize || judge.Classifier.ClassCount != small.Classifier.ClassCount)
        {
            throw new InvalidDataException(
                $"Serving version {version.Version}: the judge takes {judge.Classifier.InputSize} features and scores {judge.Classifier.ClassCount} classes, "
                + $"the small model {small.Classifier.InputSize} and {small.Classifier.ClassCount}.");
        }

        Version = version;
        JudgeModel = judge;
        SmallModel = small;
    }

    /// <summary>The registry's serving version this snapshot serves.</summary>
    public ServingVersion Version { get; }

    /// <summary>The judge whose confidence routes each sample.</summary>
    public IClassifier Judge => JudgeModel.Classifier;

    /// <summary>The small model that answers confident samples and hints the large model.</summary>
    public IClassifier Small => SmallModel.Classifier;

    /// <summary>The judge confidence at or above which the small model answers.</summary>
    public double Threshold => Version.Threshold;

    /// <summary>Features per sample.</summary>
    public int InputSize => Judge.InputSize;

    /// <summary>Classes scored.</summary>
    public int ClassCount => Judge.ClassCount;

    internal ServingModel JudgeModel { get; }

    internal ServingModel SmallModel { get; }

    /// <summary>Holds the snapshot for a batch; false once its last holder released it (a newer one is current by then).</summary>
    internal bool TryEnter() => _holders.TryAdd();

    /// <summary>A holder lets go; the last one releases the models.</summary>
    internal void Exit()
    {
        if (_holders.Release())
        {
            JudgeModel.Release();
            SmallModel.Release();
        }
    }
}
