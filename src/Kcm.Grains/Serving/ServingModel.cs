using Kcm.Abstractions.Registry;
using Kcm.Core.Models;

namespace Kcm.Grains.Serving;

/// <summary>
/// A judge or small model as this silo runs it (C# or an ONNX graph), shared by the snapshots that serve the same
/// stored weights. Held by a count: the classifier is disposed (an ONNX graph's weights, and its session with the last
/// classifier on it) when the last snapshot holding it is released.
/// </summary>
internal sealed class ServingModel
{
    private int _holders = 1;

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
        if (Interlocked.Increment(ref _holders) <= 1)
        {
            throw new ObjectDisposedException(nameof(ServingModel), "A serving model was shared after its last holder released it.");
        }

        return this;
    }

    /// <summary>A holder lets go; the last one disposes the classifier.</summary>
    public void Release()
    {
        if (Interlocked.Decrement(ref _holders) == 0)
        {
            (Classifier as IDisposable)?.Dispose();
        }
    }
}
