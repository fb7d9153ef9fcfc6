using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace Kcm.Onnx;

/// <summary>
/// Runs batches through a session whose used inputs (one or two) and output are float tensors [batch, ...] with only
/// the batch dimension dynamic, allocating nothing per call: for each batch size it keeps OrtValues over pinned buffers,
/// bound once to an IOBinding, and copies the caller's spans in and out of them. Thread-safe: each concurrent caller
/// takes its own set of buffers (made on first need, then reused). Disposing waits for running calls before it frees
/// anything native; the session is freed with the runner only when the runner owns it.
/// </summary>
public sealed class OnnxBatchRunner : IDisposable
{
    private readonly InferenceSession _session;
    private readonly string[] _inputNames;
    private readonly long[][] _inputShapes;
    private readonly int[] _inputLengths;
    private readonly long[] _outputShape;
    private readonly RunOptions _runOptions;
    private readonly Stack<OnnxBatchBuffers> _idle = new();
    private readonly List<OnnxBatchBuffers> _made = [];
    private readonly OnnxCallGate _calls;

    /// <summary>
    /// Binds <paramref name="inputNames"/> (every input the model has, one or two) and <paramref name="outputName"/>;
    /// with <paramref name="ownsSession"/> the session is disposed with the runner.
    /// </summary>
    public OnnxBatchRunner(InferenceSession session, IReadOnlyList<string> inputNames, string outputName, bool ownsSession = false)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(inputNames);
        ArgumentException.ThrowIfNullOrEmpty(outputName);
        if (inputNames.Count is < 1 or > 2)
        {
            throw new ArgumentException($"The runner takes one or two inputs, got {inputNames.Count}.", nameof(inputNames));
        }

        foreach (var declared in session.InputNames)
        {
            if (!inputNames.Contains(declared))
            {
                throw new OnnxTensorMismatchException(declared, $"a tensor for every model input ({string.Join(", ", session.InputNames)})", $"no tensor for {declared}");
            }
        }

        _session = session;
        _inputNames = [.. inputNames];
        _inputShapes = new long[_inputNames.Length][];
        _inputLengths = new int[_inputNames.Length];
        FixedBatch = -1;
        for (var i = 0; i < _inputNames.Length; i++)
        {
            if (!session.InputMetadata.TryGetValue(_inputNames[i], out var input))
            {
                throw new OnnxTensorMismatchException(_inputNames[i], $"one of the model's inputs ({string.Join(", ", session.InputNames)})", "no such input");
            }

            (_inputShapes[i], _inputLengths[i]) = Layout(_inputNames[i], input);
        }

        if (!session.OutputMetadata.TryGetValue(outputName, out var output))
        {
            throw new OnnxTensorMismatchException(outputName, $"one of the model's outputs ({string.Join(", ", session.OutputNames)})", "no such output");
        }

        OutputName = outputName;
        (_outputShape, SampleOutputLength) = Layout(outputName, output);

        // The native objects come last, once nothing above can throw.
        _runOptions = new RunOptions();
        _calls = new OnnxCallGate(() =>
        {
            _made.ForEach(buffers => buffers.Dispose());
            _runOptions.Dispose();
            if (ownsSession)
            {
                session.Dispose();
            }
        });
    }

    public IReadOnlyList<string> InputNames => _inputNames;

    public string OutputName { get; }

    /// <summary>Floats per sample of the first input (e.g. 784 for [N,1,28,28]).</summary>
    public int SampleInputLength => _inputLengths[0];

    /// <summary>Floats per sample of the output (e.g. 10 for [N,10]).</summary>
    public int SampleOutputLength { get; }

    /// <summary>The batch size the model fixes, or -1 when the batch dimension is dynamic.</summary>
    public long FixedBatch { get; private set; }

    /// <summary>
    /// A runner for a model with exactly one input and one output; a model that does not fit throws
    /// <see cref="OnnxTensorMismatchException"/> saying why.
    /// </summary>
    public static OnnxBatchRunner ForSingleTensor(InferenceSession session, bool ownsSession = false)
    {
        ArgumentNullException.ThrowIfNull(session);
        if (session.InputNames.Count != 1 || session.OutputNames.Count != 1)
        {
            throw new OnnxTensorMismatchException(
                session.InputNames.Count > 0 ? session.InputNames[0] : "(none)",
                "a model with one input and one output",
                $"{session.InputNames.Count} inputs ({string.Join(", ", session.InputNames)}) and {session.OutputNames.Count} outputs ({string.Join(", ", session.OutputNames)})");
        }

        return new OnnxBatchRunner(session, [session.InputNames[0]], session.OutputNames[0], ownsSession);
    }

    /// <summary>Floats per sample of input <paramref name="input"/> (its position in <see cref="InputNames"/>).</summary>
    public int SampleLengthOf(int input) => _inputLengths[input];

    /// <summary>
    /// Runs <paramref name="batchSize"/> samples of the one input (<paramref name="input"/>: batch x
    /// <see cref="SampleInputLength"/>) and writes the output (batch x <see cref="SampleOutputLength"/>).
    /// </summary>
    public void Run(ReadOnlySpan<float> input, int batchSize, Span<float> output)
    {
        RequireInputs(1);
        Validate(0, input.Length, batchSize, output.Length);
        var buffers = Rent();
        try
        {
            var binding = buffers.Bind(batchSize);
            input.CopyTo(buffers.Input(0, batchSize));
            _session.RunWithBinding(_runOptions, binding);
            buffers.Output(batchSize).CopyTo(output);
        }
        finally
        {
            Return(buffers);
        }
    }

    /// <summary>As <see cref="Run(ReadOnlySpan{float}, int, Span{float})"/>, for a model with two inputs, in <see cref="InputNames"/> order.</summary>
    public void Run(ReadOnlySpan<float> first, ReadOnlySpan<float> second, int batchSize, Span<float> output)
    {
        RequireInputs(2);
        Validate(0, first.Length, batchSize, output.Length);
        Validate(1, second.Length, batchSize, output.Length);
        var buffers = Rent();
        try
        {
            var binding = buffers.Bind(batchSize);
            first.CopyTo(buffers.Input(0, batchSize));
            second.CopyTo(buffers.Input(1, batchSize));
            _session.RunWithBinding(_runOptions, binding);
            buffers.Output(batchSize).CopyTo(output);
        }
        finally
        {
            Return(buffers);
        }
    }

    /// <summary>Refuses new calls and frees the native values, bindings (and an owned session) once running calls end.</summary>
    public void Dispose() => _calls.Close();

    private (long[] Shape, int SampleLength) Layout(string name, NodeMetadata metadata)
    {
        var dimensions = metadata.IsTensor ? metadata.Dimensions : [];
        if (!metadata.IsTensor || metadata.ElementDataType != TensorElementType.Float || dimensions.Length < 1)
        {
            throw new OnnxTensorMismatchException(name, "a float32 tensor [batch, ...]", metadata.IsTensor ? $"{metadata.ElementDataType} {OnnxShape.Format(metadata)}" : metadata.OnnxValueType.ToString());
        }

        long sampleLength = 1;
        for (var d = 1; d < dimensions.Length; d++)
        {
            if (dimensions[d] <= 0)
            {
                throw new OnnxTensorMismatchException(name, "a shape whose only dynamic dimension is the first (the batch)", $"{OnnxShape.Format(metadata)}, which has a dynamic dimension besides the batch");
            }

            sampleLength *= dimensions[d];
        }

        if (dimensions[0] >= 0)
        {
            if (FixedBatch >= 0 && FixedBatch != dimensions[0])
            {
                throw new OnnxTensorMismatchException(name, $"batch size {FixedBatch} like the other tensors", OnnxShape.Format(metadata));
            }

            FixedBatch = dimensions[0];
        }

        return (Array.ConvertAll(dimensions, d => (long)d), checked((int)sampleLength));
    }

    private void RequireInputs(int count)
    {
        if (_inputNames.Length != count)
        {
            throw new InvalidOperationException($"This runner binds {_inputNames.Length} input(s) ({string.Join(", ", _inputNames)}): call the Run that takes {_inputNames.Length} span(s).");
        }
    }

    private void Validate(int input, int inputLength, int batchSize, int outputLength)
    {
        if (batchSize <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "The batch size must be positive.");
        }

        var name = _inputNames[input];
        if (FixedBatch >= 0 && batchSize != FixedBatch)
        {
            throw new OnnxTensorMismatchException(name, $"batch size {FixedBatch} (shape {OnnxShape.Format(_inputShapes[input])})", $"batch size {batchSize}");
        }

        var expectedInput = (long)batchSize * _inputLengths[input];
        if (inputLength != expectedInput)
        {
            throw new OnnxTensorMismatchException(name, $"{expectedInput} floats ({batchSize} x {_inputLengths[input]})", $"{inputLength} floats");
        }

        var expectedOutput = (long)batchSize * SampleOutputLength;
        if (outputLength != expectedOutput)
        {
            throw new OnnxTensorMismatchException(OutputName, $"an output span of {expectedOutput} floats ({batchSize} x {SampleOutputLength})", $"{outputLength} floats");
        }
    }

    private OnnxBatchBuffers Rent()
    {
        _calls.Enter(this);
        lock (_idle)
        {
            if (_idle.Count > 0)
            {
                return _idle.Pop();
            }

            // Made empty (no native object yet): nothing here can fail half-way and leave the gate entered.
            var made = new OnnxBatchBuffers(_session, _inputNames, _inputShapes, OutputName, _outputShape);
            _made.Add(made);
            return made;
        }
    }

    private void Return(OnnxBatchBuffers buffers)
    {
        lock (_idle)
        {
            _idle.Push(buffers);
        }

        _calls.Exit();
    }
}
