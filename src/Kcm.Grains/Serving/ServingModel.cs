using Kcm.Abstractions.Registry;
using Kcm.Core.Models;
using Kcm.Models;

namespace Kcm.Grains.Serving;

/// <summary>
/// A judge or small model as this silo runs it (C# or an ONNX graph), shared by the snapshots that serve the same
/// stored weights. Held by a count: the classifier is disposed (an ONNX graph's weights, and its session with the last
/// classifier on it) when the last snapshot holding it is released.
/// </summary>
internal sealed class ServingModel
{
    private readonly HolderCount _holders = new();

    public ServingModel(StoredWeights weights, IClassifier classifier)
    {
        Weights = weights;
        Classifier = classifier;
    }

    /// <summary>The stored weights it runs.</summary>
    public StoredWeights Weights { get; }

    /// <summary>The classifier that runs them.</summary>
    public IClassifier Classifier { get; }

    /// <summary>One more holder.</summary>
    public ServingModel Share()
    {
        _holders.Add(nameof(ServingModel));
        return this;
    }

    /// <summary>A holder lets go; the last one disposes the classifier.</summary>
    public void Release()
    {
        if (_holders.Release())
        {
            (Classifier as IDisposable)?.Dispose();
        }
    }
}
