using System.Diagnostics;
using Microsoft.ML.OnnxRuntime;

namespace Kcm.Benchmarks.Onnx;

/// <summary>
/// The reference: ONNX Runtime's own C# API with nothing of ours, the way its documentation runs a model without
/// copies: a session with plain SessionOptions, OrtValues made over the caller's input and output memory, Run into them.
/// </summary>
internal sealed class BareSessionLoop : IDisposable
{
    private readonly InferenceSession _session;
    private readonly RunOptions _runOptions = new();
    private readonly string[] _inputNames;
    private readonly string[] _outputNames;
    private readonly long[] _inputShape;
    private readonly long[] _outputShape;

    public BareSessionLoop(string modelPath, int intraOpThreads)
    {
        using var options = new SessionOptions
        {
            IntraOpNumThreads = intraOpThreads,
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
        };
        _session = new InferenceSession(modelPath, options);
        _inputNames = [_session.InputNames[0]];
        _outputNames = [_session.OutputNames[0]];
        _inputShape = Array.ConvertAll(_session.InputMetadata[_inputNames[0]].Dimensions, d => (long)d);
        _outputShape = Array.ConvertAll(_session.OutputMetadata[_outputNames[0]].Dimensions, d => (long)d);
        SampleInputLength = (int)_inputShape.Skip(1).Aggregate(1L, (a, d) => a * d);
        SampleOutputLength = (int)_outputShape.Skip(1).Aggregate(1L, (a, d) => a * d);
    }

    public int SampleInputLength { get; }

    public int SampleOutputLength { get; }

    /// <summary>Runs <paramref name="iterations"/> times over the same values; returns the seconds taken.</summary>
    public double Measure(Memory<float> input, int batch, Memory<float> output, int iterations)
    {
        _inputShape[0] = batch;
        _outputShape[0] = batch;
        using var inputValue = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, input[..(batch * SampleInputLength)], _inputShape);
        using var outputValue = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, output[..(batch * SampleOutputLength)], _outputShape);
        OrtValue[] inputs = [inputValue];
        OrtValue[] outputs = [outputValue];
        var watch = Stopwatch.StartNew();
        for (var i = 0; i < iterations; i++)
        {
            _session.Run(_runOptions, _inputNames, inputs, _outputNames, outputs);
        }

        return watch.Elapsed.TotalSeconds;
    }

    public void Dispose()
    {
        _runOptions.Dispose();
        _session.Dispose();
    }
}
