using Microsoft.ML.OnnxRuntime;

namespace Kcm.Models.Graphs;

/// <summary>
/// One ONNX Runtime session of a classifier graph, shared by the <see cref="GraphClassifier"/>s that run it with
/// different weights (the weights are graph inputs, so the session holds none); disposed when the last one lets go.
/// </summary>
internal sealed class GraphSession
{
    private int _holders = 1;

    public GraphSession(InferenceSession session) => Session = session;

    public InferenceSession Session { get; }

    /// <summary>Another holder of the session.</summary>
    public GraphSession Share()
    {
        if (Interlocked.Increment(ref _holders) <= 1)
        {
            throw new ObjectDisposedException(nameof(GraphSession), "The graph session was already disposed.");
        }

        return this;
    }

    /// <summary>A holder lets go; the last one disposes the session.</summary>
    public void Release()
    {
        if (Interlocked.Decrement(ref _holders) == 0)
        {
            Session.Dispose();
        }
    }
}
