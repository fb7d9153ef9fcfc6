using Kcm.Core.Graphs;
using Kcm.Core.Models;
using Kcm.Onnx;
using Microsoft.ML.OnnxRuntime;

namespace Kcm.Models.Graphs;

/// <summary>
/// A small model or judge run by ONNX Runtime from its architecture's graph (<see cref="ClassifierGraphs"/>), with the
/// weights bound from the classifier's tensors (the safetensors names and shapes) as pinned native values made once.
/// <see cref="Bind"/> swaps in new weights of the same architecture without rebuilding the session, as a hot swap
/// does. Gives the same logits as the C# forward pass within float rounding (tested within 1e-5). Thread-safe.
/// </summary>
public sealed class GraphClassifier : IClassifier, IDisposable
{
    private readonly InferenceSession _session;
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
        _weights = WeightValues(classifier);
        _session = OnnxSessionLoader.Load(_graph.Model, options);
    }

    public int InputSize { get; }

    public int ClassCount { get; }

    /// <summary>The graph's architecture text.</summary>
    public string Architecture => _graph.Architecture;

    /// <summary>Binds the weights of <paramref name="classifier"/>, which must have the same architecture; calls in flight finish on the old ones.</summary>
    public void Bind(IExportableClassifier classifier)
    {
        ArgumentNullException.ThrowIfNull(classifier);
        if (classifier.Architecture != _graph.Architecture)
        {
            throw new ArgumentException($"The graph is {_graph.Architecture}; the classifier is {classifier.Architecture}.", nameof(classifier));
        }

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
            using var outputs = _session.Run(runOptions, _inputNames, values, _outputNames);
            outputs[0].GetTensorDataAsSpan<float>()[..(batchSize * ClassCount)].CopyTo(logits);
        }
        finally
        {
            _weightsLock.ExitReadLock();
        }
    }

    public void Dispose()
    {
        _session.Dispose();
        Array.ForEach(_weights, v => v.Dispose());
        _weightsLock.Dispose();
    }

    private OrtValue[] WeightValues(IExportableClassifier classifier)
    {
        var tensors = classifier.ExportTensors();
        return _graph.WeightInputs
            .Select(w => OrtValue.CreateTensorValueFromMemory(tensors[w.Name].Data, w.Shape.Select(d => (long)d).ToArray()))
            .ToArray();
    }
}
