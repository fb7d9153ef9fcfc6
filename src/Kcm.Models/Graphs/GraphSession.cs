using Microsoft.ML.OnnxRuntime;

namespace Kcm.Models.Graphs;

/// <summary>
/// One ONNX Runtime session of a classifier graph, shared by the <see cref="GraphClassifier"/>s that run it with
/// different weights (the weights are graph inputs, so the session holds none); disposed when the last one lets go.
/// </summary>
internal sealed class GraphSession
{
    private readonly HolderCount _holders = new();

    public GraphSession(InferenceSession session) => Session = session;

    public InferenceSession Session { get; }

    /// <summary>Another holder of the session.</summary>
    public GraphSession Share()
    {
        _holders.Add(nameof(GraphSession));
        return this;
    }

    /// <summary>A holder lets go; the last one disposes the session.</summary>
    public void Release()
    {
        if (_holders.Release())
        {
            Session.Dispose();
        }
    }
}
