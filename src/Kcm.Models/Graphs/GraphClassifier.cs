using Kcm.Core.Graphs;
using Kcm.Core.Mlp;
using Kcm.Core.Models;
using Kcm.Onnx;
using Microsoft.ML.OnnxRuntime;

namespace Kcm.Models.Graphs;

/// <summary>
/// A small model or judge run by ONNX Runtime from its architecture's graph (<see cref="ClassifierGraphs"/>), with the
/// weights bound from the classifier's tensors (the safetensors names and shapes) as pinned native values made once.
/// <see cref="Bind"/> swaps in new weights of the same architecture without rebuilding the session, as a hot swap
/// does; <see cref="WithWeights"/> makes a second classifier over the same session with other weights, leaving this one's
/// as they are (serving: the snapshot still in use keeps its own weights). Gives the same logits as the C# forward pass
/// within float rounding (tested within 1e-5). Thread-safe; the session goes when the last classifier sharing it is disposed.
/// </summary>
public sealed class GraphClassifier : IClassifier, IDisposable
{
    private readonly GraphSession _session;
    private readonly ClassifierGraph _graph;
    private readonly string[] _inputNames;
    private readonly string[] _outputNames = [ClassifierGraph.LogitsOutput];
    private readonly ReaderWriterLockSlim _weightsLock = new();
    private OrtValue[] _weights;

    public GraphClassifier(IExportableClassifier classifier, OnnxSessionOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(classifier);
        _graph = ClassifierGraphs.For(classifier.Architecture);
        InputSize = classifier.InputSize;
        ClassCount = classifier.ClassCount;
        _inputNames = [ClassifierGraph.FeaturesInput, .. _graph.WeightInputs.Select(w => w.Name)];
        _session = new GraphSession(OnnxSessionLoader.Load(_graph.Model, options));
        try
        {
            _weights = WeightValues(classifier);
        }
        catch
        {
            _session.Release();
            throw;
        }
    }

    private GraphClassifier(GraphClassifier shared, IExportableClassifier classifier)
    {
        _graph = shared._graph;
        InputSize = shared.InputSize;
        ClassCount = shared.ClassCount;
        _inputNames = shared._inputNames;
        _weights = WeightValues(classifier);
        _session = shared._session.Share();
    }

    public int InputSize { get; }

    /// <summary>
    /// Opens and closes a session of a small classifier graph with <paramref name="options"/>, so a provider that cannot
    /// run here (CUDA without its build, libraries or a GPU) fails now, with ONNX Runtime's reason, not at the first model.
    /// </summary>
    /// <exception cref="OnnxProviderUnavailableException">The provider cannot run here; there is no CPU fallback.</exception>
    public static void CheckProvider(OnnxSessionOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        using var session = OnnxSessionLoader.Load(ClassifierGraphs.For(MlpNetwork.DefaultSmallModel.Architecture).Model, options);
    }

    public int ClassCount { get; }

    /// <summary>The graph's architecture text.</summary>
    public string Architecture => _graph.Architecture;

    /// <summary>Binds the weights of <paramref name="classifier"/>, which must have the same architecture; calls in flight finish on the old ones.</summary>
    public void Bind(IExportableClassifier classifier)
    {
        CheckArchitecture(classifier);
        var next = WeightValues(classifier);
        OrtValue[] old;
        _weightsLock.EnterWriteLock();
        try
        {
            old = _weights;
            _weights = next;
        }
        finally
        {
            _weightsLock.ExitWriteLock();
        }

        Array.ForEach(old, v => v.Dispose());
    }

    /// <summary>
    /// A classifier running <paramref name="classifier"/>'s weights (same architecture) on this one's session: no new
    /// session, and this one keeps its weights. Each is disposed on its own; the session goes with the last.
    /// </summary>
    public GraphClassifier WithWeights(IExportableClassifier classifier)
    {
        CheckArchitecture(classifier);
        return new GraphClassifier(this, classifier);
    }

    /// <summary>Whether <paramref name="other"/> runs on the same ONNX Runtime session as this one.</summary>
    public bool SharesSessionWith(GraphClassifier other) => ReferenceEquals(_session, other?._session);

    public void Logits(ReadOnlySpan<float> inputs, int batchSize, Span<float> logits)
    {
        var features = inputs[..(batchSize * InputSize)].ToArray();
        using var featureValue = OrtValue.CreateTensorValueFromMemory(features, [batchSize, InputSize]);
        _weightsLock.EnterReadLock();
        try
        {
            var values = new OrtValue[_weights.Length + 1];
            values[0] = featureValue;
            _weights.CopyTo(values, 1);
            using var runOptions = new RunOptions();
            using var outputs = _session.Session.Run(runOptions, _inputNames, values, _outputNames);
            outputs[0].GetTensorDataAsSpan<float>()[..(batchSize * ClassCount)].CopyTo(logits);
        }
        finally
        {
            _weightsLock.ExitReadLock();
        }
    }

    public void Dispose()
    {
        _session.Release();
        Array.ForEach(_weights, v => v.Dispose());
        _weightsLock.Dispose();
    }

    private void CheckArchitecture(IExportableClassifier classifier)
    {
        ArgumentNullException.ThrowIfNull(classifier);
        if (classifier.Architecture != _graph.Architecture)
        {
            throw new ArgumentException($"The graph is {_graph.Architecture}; the classifier is {classifier.Architecture}.", nameof(classifier));
        }
    }

    private OrtValue[] WeightValues(IExportableClassifier classifier)
    {
        var tensors = classifier.ExportTensors();
        return _graph.WeightInputs
            .Select(w => OrtValue.CreateTensorValueFromMemory(tensors[w.Name].Data, w.Shape.Select(d => (long)d).ToArray()))
            .ToArray();
    }
}
