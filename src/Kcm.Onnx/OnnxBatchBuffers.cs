using Microsoft.ML.OnnxRuntime;

namespace Kcm.Onnx;

/// <summary>
/// One caller's pinned input and output buffers for an <see cref="OnnxBatchRunner"/>, and per batch size the OrtValues
/// over their first rows bound to an IOBinding. Buffers grow (and the bindings are remade) only when a larger batch
/// comes; after that every call at a seen batch size reuses what is there.
/// </summary>
internal sealed class OnnxBatchBuffers : IDisposable
{
    private readonly InferenceSession _session;
    private readonly string[] _inputNames;
    private readonly long[][] _inputShapes;
    private readonly string _outputName;
    private readonly long[] _outputShape;
    private readonly int[] _inputLengths;
    private readonly int _outputLength;
    private float[][] _inputs;
    private float[] _output = [];
    private OrtValue[]?[] _values = [];
    private OrtIoBinding?[] _bindings = [];
    private int _capacity;

    public OnnxBatchBuffers(InferenceSession session, string[] inputNames, long[][] inputShapes, string outputName, long[] outputShape)
    {
        _session = session;
        _inputNames = inputNames;
        _inputShapes = inputShapes;
        _outputName = outputName;
        _outputShape = outputShape;
        _inputLengths = Array.ConvertAll(inputShapes, SampleLength);
        _outputLength = SampleLength(outputShape);
        _inputs = new float[inputNames.Length][];
    }

    public Span<float> Input(int input, int batchSize) => _inputs[input].AsSpan(0, batchSize * _inputLengths[input]);

    public ReadOnlySpan<float> Output(int batchSize) => _output.AsSpan(0, batchSize * _outputLength);

    /// <summary>The binding of <paramref name="batchSize"/> rows, made on the first call with that size.</summary>
    public OrtIoBinding Bind(int batchSize)
    {
        if (batchSize > _capacity)
        {
            Grow(Math.Max(batchSize, 2 * _capacity));
        }

        return _bindings[batchSize] ?? Create(batchSize);
    }

    public void Dispose() => Release();

    private OrtIoBinding Create(int batchSize)
    {
        var values = new OrtValue[_inputNames.Length + 1];
        var binding = _session.CreateIoBinding();
        try
        {
            for (var i = 0; i < _inputNames.Length; i++)
            {
                values[i] = Over(_inputs[i], batchSize, _inputLengths[i], _inputShapes[i]);
                binding.BindInput(_inputNames[i], values[i]);
            }

            values[^1] = Over(_output, batchSize, _outputLength, _outputShape);
            binding.BindOutput(_outputName, values[^1]);
        }
        catch
        {
            binding.Dispose();
            foreach (var value in values)
            {
                value?.Dispose();
            }

            throw;
        }

        _values[batchSize] = values;
        _bindings[batchSize] = binding;
        return binding;
    }

    private void Grow(int capacity)
    {
        Release();
        for (var i = 0; i < _inputs.Length; i++)
        {
            _inputs[i] = GC.AllocateUninitializedArray<float>(capacity * _inputLengths[i], pinned: true);
        }

        _output = GC.AllocateUninitializedArray<float>(capacity * _outputLength, pinned: true);
        _values = new OrtValue[]?[capacity + 1];
        _bindings = new OrtIoBinding?[capacity + 1];
        _capacity = capacity;
    }

    private void Release()
    {
        for (var b = 0; b < _bindings.Length; b++)
        {
            _bindings[b]?.Dispose();
            _bindings[b] = null;
            foreach (var value in _values[b] ?? [])
            {
                value.Dispose();
            }

            _values[b] = null;
        }
    }

    private static OrtValue Over(float[] buffer, int batchSize, int sampleLength, long[] declared)
    {
        var shape = (long[])declared.Clone();
        shape[0] = batchSize;
        return OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, buffer.AsMemory(0, batchSize * sampleLength), shape);
    }

    private static int SampleLength(long[] shape)
    {
        long length = 1;
        for (var d = 1; d < shape.Length; d++)
        {
            length *= shape[d];
        }

        return checked((int)length);
    }
}
