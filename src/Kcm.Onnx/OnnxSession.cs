using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using Kcm.Onnx.Native;

namespace Kcm.Onnx;

/// <summary>
/// A loaded ONNX model. Thread-safe: any number of threads may call Run at once (ORT's Run is thread-safe, and the
/// native session is kept alive by a reference count while a call is in flight, so Dispose never frees it under a Run).
/// </summary>
public sealed unsafe class OnnxSession : IDisposable
{
    private const int OnnxTypeTensor = 1;
    private const int ExecutionModeParallel = 1;

    private readonly OnnxRuntime _runtime;
    private readonly OrtApi _api;
    private readonly OrtHandle _session;

    // UTF-8, NUL-terminated names on the pinned object heap: converted once, never moved, freed with this object.
    private readonly byte[][] _inputNames;
    private readonly byte[][] _outputNames;
    private readonly SingleTensorLayout? _single;
    private readonly string _singleUnavailableReason = string.Empty;

    private OnnxSession(OnnxRuntime runtime, OrtHandle session, string? modelPath, OnnxSessionOptions options)
    {
        _runtime = runtime;
        _api = runtime.Api;
        _session = session;
        ModelPath = modelPath;
        Options = options;
        Inputs = ReadTensorInfos(isInput: true);
        Outputs = ReadTensorInfos(isInput: false);
        _inputNames = Inputs.Select(i => ToPinnedUtf8(i.Name)).ToArray();
        _outputNames = Outputs.Select(o => ToPinnedUtf8(o.Name)).ToArray();
        _single = SingleTensorLayout.TryCreate(Inputs, Outputs, out var reason);
        if (_single is null)
        {
            _singleUnavailableReason = reason;
        }
    }

    /// <summary>The file the model came from; null when loaded from bytes.</summary>
    public string? ModelPath { get; }

    public OnnxSessionOptions Options { get; }

    /// <summary>The runtime (library path, version) this session runs on.</summary>
    public OnnxRuntime Runtime => _runtime;

    public IReadOnlyList<OnnxTensorInfo> Inputs { get; }

    public IReadOnlyList<OnnxTensorInfo> Outputs { get; }

    /// <summary>Whether <see cref="Run(ReadOnlySpan{float}, int, Span{float})"/> applies: one float input and one float output, only the first dimension dynamic.</summary>
    public bool SupportsSingleTensorRun => _single is not null;

    /// <summary>Floats per sample of the single input (e.g. 784 for [N,1,28,28]).</summary>
    public int SampleInputLength => RequireSingle().InputPerSample;

    /// <summary>Floats per sample of the single output (e.g. 10 for [N,10]).</summary>
    public int SampleOutputLength => RequireSingle().OutputPerSample;

    /// <summary>Loads a model file. Missing file: <see cref="OnnxModelNotFoundException"/>; unreadable model: <see cref="OnnxRuntimeException"/>.</summary>
    public static OnnxSession Load(string modelPath, OnnxSessionOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(modelPath);
        options ??= OnnxSessionOptions.Default;
        options.Validate();
        var fullPath = Path.GetFullPath(modelPath);
        if (!File.Exists(fullPath))
        {
            throw new OnnxModelNotFoundException(fullPath);
        }

        var runtime = OnnxRuntime.Get(options.LibraryPath);
        var api = runtime.Api;
        var pathBytes = Encoding.UTF8.GetBytes(fullPath + "\0");
        using var sessionOptions = CreateSessionOptions(runtime, options);
        nint session = 0;
        fixed (byte* path = pathBytes)
        {
            api.Check(api.CreateSession(runtime.Environment.DangerousGetHandle(), path, sessionOptions.DangerousGetHandle(), &session), $"CreateSession('{fullPath}')");
        }

        return new OnnxSession(runtime, new OrtHandle(session, api.ReleaseSession), fullPath, options);
    }

    /// <summary>Loads a model from its serialized bytes (the bytes are not needed after this returns).</summary>
    public static OnnxSession Load(ReadOnlySpan<byte> model, OnnxSessionOptions? options = null)
    {
        options ??= OnnxSessionOptions.Default;
        options.Validate();
        if (model.IsEmpty)
        {
            throw new ArgumentException("The model bytes are empty.", nameof(model));
        }

        var runtime = OnnxRuntime.Get(options.LibraryPath);
        var api = runtime.Api;
        using var sessionOptions = CreateSessionOptions(runtime, options);
        nint session = 0;
        fixed (byte* data = model)
        {
            api.Check(api.CreateSessionFromArray(runtime.Environment.DangerousGetHandle(), data, (nuint)model.Length, sessionOptions.DangerousGetHandle(), &session), "CreateSessionFromArray");
        }

        return new OnnxSession(runtime, new OrtHandle(session, api.ReleaseSession), null, options);
    }

    /// <summary>
    /// Runs a batch through a one-input, one-output float model without allocating: ORT reads
    /// <paramref name="input"/> and writes <paramref name="output"/> in place. Lengths must be
    /// <paramref name="batchSize"/> x <see cref="SampleInputLength"/> and x <see cref="SampleOutputLength"/>.
    /// </summary>
    [SkipLocalsInit]
    public void Run(ReadOnlySpan<float> input, int batchSize, Span<float> output)
    {
        var single = RequireSingle();
        single.Validate(input.Length, batchSize, output.Length);
        Span<long> inputShape = stackalloc long[single.InputShape.Length];
        Span<long> outputShape = stackalloc long[single.OutputShape.Length];
        single.InputShape.CopyTo(inputShape);
        single.OutputShape.CopyTo(outputShape);
        inputShape[0] = batchSize;
        outputShape[0] = batchSize;

        var added = false;
        _session.DangerousAddRef(ref added);
        nint inputValue = 0;
        nint outputValue = 0;
        try
        {
            var memoryInfo = _runtime.CpuMemoryInfo.DangerousGetHandle();
            fixed (float* inputData = input)
            fixed (float* outputData = output)
            fixed (long* inputDims = inputShape)
            fixed (long* outputDims = outputShape)
            fixed (byte* inputName = _inputNames[0])
            fixed (byte* outputName = _outputNames[0])
            {
                _api.Check(_api.CreateTensorWithDataAsOrtValue(memoryInfo, inputData, (nuint)input.Length * sizeof(float), inputDims, (nuint)inputShape.Length, (int)OnnxElementType.Float, &inputValue), "CreateTensorWithDataAsOrtValue");
                _api.Check(_api.CreateTensorWithDataAsOrtValue(memoryInfo, outputData, (nuint)output.Length * sizeof(float), outputDims, (nuint)outputShape.Length, (int)OnnxElementType.Float, &outputValue), "CreateTensorWithDataAsOrtValue");
                var inputNames = inputName;
                var outputNames = outputName;
                _api.Check(_api.Run(_session.DangerousGetHandle(), 0, &inputNames, &inputValue, 1, &outputNames, 1, &outputValue), "Run");
            }
        }
        finally
        {
            ReleaseValue(inputValue);
            ReleaseValue(outputValue);
            if (added)
            {
                _session.DangerousRelease();
            }
        }
    }

    /// <summary>
    /// Runs with any number of named float32/int64 inputs and returns the requested float32 outputs
    /// (all outputs when <paramref name="outputNames"/> is null), each copied out with its shape.
    /// </summary>
    public IReadOnlyList<OnnxOutputTensor> Run(IReadOnlyList<OnnxInputTensor> inputs, IReadOnlyList<string>? outputNames = null)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        var inputIndexes = ValidateInputs(inputs);
        var outputIndexes = ResolveOutputs(outputNames);

        var pins = new MemoryHandle[inputs.Count];
        var inputValues = new nint[inputs.Count];
        var outputValues = new nint[outputIndexes.Length];
        var inputNamePointers = new nint[inputs.Count];
        var outputNamePointers = new nint[outputIndexes.Length];
        var added = false;
        _session.DangerousAddRef(ref added);
        try
        {
            var memoryInfo = _runtime.CpuMemoryInfo.DangerousGetHandle();
            for (var i = 0; i < inputs.Count; i++)
            {
                var input = inputs[i];
                pins[i] = input.Pin(out var byteLength);
                var dims = input.Shape.ToArray();
                fixed (long* shape = dims)
                {
                    nint value = 0;
                    _api.Check(_api.CreateTensorWithDataAsOrtValue(memoryInfo, pins[i].Pointer, byteLength, shape, (nuint)dims.Length, (int)input.ElementType, &value), $"CreateTensorWithDataAsOrtValue('{input.Name}')");
                    inputValues[i] = value;
                }

                inputNamePointers[i] = PinnedAddress(_inputNames[inputIndexes[i]]);
            }

            for (var o = 0; o < outputIndexes.Length; o++)
            {
                outputNamePointers[o] = PinnedAddress(_outputNames[outputIndexes[o]]);
            }

            fixed (nint* inNames = inputNamePointers)
            fixed (nint* inValues = inputValues)
            fixed (nint* outNames = outputNamePointers)
            fixed (nint* outValues = outputValues)
            {
                _api.Check(_api.Run(_session.DangerousGetHandle(), 0, (byte**)inNames, inValues, (nuint)inputs.Count, (byte**)outNames, (nuint)outputIndexes.Length, outValues), "Run");
            }

            var results = new OnnxOutputTensor[outputIndexes.Length];
            for (var o = 0; o < results.Length; o++)
            {
                results[o] = CopyOut(Outputs[outputIndexes[o]].Name, outputValues[o]);
            }

            return results;
        }
        finally
        {
            foreach (var value in inputValues)
            {
                ReleaseValue(value);
            }

            foreach (var value in outputValues)
            {
                ReleaseValue(value);
            }

            foreach (var pin in pins)
            {
                pin.Dispose();
            }

            if (added)
            {
                _session.DangerousRelease();
            }
        }
    }

    /// <summary>Releases the native session (deferred until in-flight runs finish).</summary>
    public void Dispose() => _session.Dispose();

    private static OrtHandle CreateSessionOptions(OnnxRuntime runtime, OnnxSessionOptions options)
    {
        var api = runtime.Api;
        nint raw = 0;
        api.Check(api.CreateSessionOptions(&raw), "CreateSessionOptions");
        var handle = new OrtHandle(raw, api.ReleaseSessionOptions);
        try
        {
            api.Check(api.SetIntraOpNumThreads(raw, options.IntraOpThreads), "SetIntraOpNumThreads");
            api.Check(api.SetInterOpNumThreads(raw, options.InterOpThreads), "SetInterOpNumThreads");
            if (options.ParallelExecution)
            {
                api.Check(api.SetSessionExecutionMode(raw, ExecutionModeParallel), "SetSessionExecutionMode");
            }

            api.Check(api.SetSessionGraphOptimizationLevel(raw, (int)options.GraphOptimization), "SetSessionGraphOptimizationLevel");
            if (options.ExecutionProvider == OnnxExecutionProvider.Cuda)
            {
                AppendCuda(runtime, raw, options.DeviceId);
            }

            return handle;
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    private static void AppendCuda(OnnxRuntime runtime, nint sessionOptions, int deviceId)
    {
        const string CudaProvider = "CUDAExecutionProvider";
        if (!runtime.AvailableProviders.Contains(CudaProvider))
        {
            throw new OnnxProviderUnavailableException(
                OnnxExecutionProvider.Cuda,
                $"CUDA execution provider requested (device {deviceId}) but the ONNX Runtime {runtime.Version} library at {runtime.LibraryPath} "
                + $"has no CUDA support (it provides: {string.Join(", ", runtime.AvailableProviders)}). "
                + "Point KCM_ONNXRUNTIME_PATH at the GPU build of the same version on a machine with an NVIDIA GPU, or use the CPU provider. No CPU fallback is made.");
        }

        var cuda = new OrtCudaProviderOptions
        {
            DeviceId = deviceId,
            GpuMemoryLimit = nuint.MaxValue,
            DoCopyInDefaultStream = 1,
        };
        var api = runtime.Api;
        var status = api.SessionOptionsAppendExecutionProviderCuda(sessionOptions, &cuda);
        if (status != 0)
        {
            var error = api.ToException(status, "SessionOptionsAppendExecutionProvider_CUDA");
            throw new OnnxProviderUnavailableException(
                OnnxExecutionProvider.Cuda,
                $"CUDA execution provider could not be enabled on device {deviceId} with ONNX Runtime {runtime.Version} at {runtime.LibraryPath}: "
                + $"{error.NativeMessage}. This library needs its CUDA provider library (libonnxruntime_providers_cuda.so), the CUDA and cuDNN "
                + "runtimes and an NVIDIA GPU; use the GPU build on a GPU node, or the CPU provider. No CPU fallback is made.",
                error);
        }
    }

    private static byte[] ToPinnedUtf8(string text)
    {
        var bytes = GC.AllocateArray<byte>(Encoding.UTF8.GetByteCount(text) + 1, pinned: true);
        Encoding.UTF8.GetBytes(text, bytes);
        return bytes;
    }

    private static nint PinnedAddress(byte[] pinned) => (nint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(pinned));

    private void ReleaseValue(nint value)
    {
        if (value != 0)
        {
            _api.ReleaseValue(value);
        }
    }

    private SingleTensorLayout RequireSingle() =>
        _single ?? throw new InvalidOperationException($"The single-tensor Run does not apply to this model: {_singleUnavailableReason}. Use the named-input Run.");

    private int[] ValidateInputs(IReadOnlyList<OnnxInputTensor> inputs)
    {
        var indexes = new int[inputs.Count];
        var seen = new bool[Inputs.Count];
        for (var i = 0; i < inputs.Count; i++)
        {
            var input = inputs[i] ?? throw new ArgumentException($"Input {i} is null.", nameof(inputs));
            var index = IndexOf(Inputs, input.Name);
            if (index < 0)
            {
                throw new OnnxTensorMismatchException(input.Name, "an input name among " + string.Join(", ", Inputs.Select(x => x.Name)), $"'{input.Name}'");
            }

            if (seen[index])
            {
                throw new OnnxTensorMismatchException(input.Name, "each input given once", "it twice");
            }

            seen[index] = true;
            indexes[i] = index;
            var declared = Inputs[index];
            if (declared.ElementType != input.ElementType)
            {
                throw new OnnxTensorMismatchException(input.Name, $"element type {declared.ElementType}", input.ElementType.ToString());
            }

            var matches = declared.Rank == input.Shape.Count;
            for (var d = 0; matches && d < declared.Rank; d++)
            {
                matches = declared.Shape[d] < 0 || declared.Shape[d] == input.Shape[d];
            }

            if (!matches)
            {
                throw new OnnxTensorMismatchException(input.Name, "shape " + declared.FormatShape(), OnnxInputTensor.FormatShape(input.Shape.ToArray()));
            }
        }

        var missing = Inputs.Where((_, i) => !seen[i]).Select(x => x.Name).ToArray();
        if (missing.Length > 0)
        {
            throw new OnnxTensorMismatchException(missing[0], "every model input (" + string.Join(", ", Inputs.Select(x => x.Name)) + ")", "no tensor for " + string.Join(", ", missing));
        }

        return indexes;
    }

    private int[] ResolveOutputs(IReadOnlyList<string>? names)
    {
        if (names is null)
        {
            return Enumerable.Range(0, Outputs.Count).ToArray();
        }

        var indexes = new int[names.Count];
        for (var i = 0; i < names.Count; i++)
        {
            indexes[i] = IndexOf(Outputs, names[i]);
            if (indexes[i] < 0)
            {
                throw new ArgumentException($"Output '{names[i]}' is not one of the model's outputs: {string.Join(", ", Outputs.Select(x => x.Name))}.", nameof(names));
            }

            if (Outputs[indexes[i]].ElementType != OnnxElementType.Float)
            {
                throw new OnnxTensorMismatchException(names[i], "a float32 output", Outputs[indexes[i]].ElementType.ToString());
            }
        }

        return indexes;
    }

    private static int IndexOf(IReadOnlyList<OnnxTensorInfo> infos, string name)
    {
        for (var i = 0; i < infos.Count; i++)
        {
            if (string.Equals(infos[i].Name, name, StringComparison.Ordinal))
            {
                return i;
            }
        }

        return -1;
    }

    private OnnxOutputTensor CopyOut(string name, nint value)
    {
        nint info = 0;
        _api.Check(_api.GetTensorTypeAndShape(value, &info), "GetTensorTypeAndShape");
        try
        {
            int elementType;
            _api.Check(_api.GetTensorElementType(info, &elementType), "GetTensorElementType");
            if (elementType != (int)OnnxElementType.Float)
            {
                throw new OnnxTensorMismatchException(name, "a float32 output", ((OnnxElementType)elementType).ToString());
            }

            nuint rank;
            _api.Check(_api.GetDimensionsCount(info, &rank), "GetDimensionsCount");
            var shape = new long[(int)rank];
            fixed (long* dims = shape)
            {
                _api.Check(_api.GetDimensions(info, dims, rank), "GetDimensions");
            }

            long count = 1;
            foreach (var dimension in shape)
            {
                count = checked(count * dimension);
            }

            var values = new float[count];
            if (count > 0)
            {
                void* data;
                _api.Check(_api.GetTensorMutableData(value, &data), "GetTensorMutableData");
                new ReadOnlySpan<float>(data, values.Length).CopyTo(values);
            }

            return new OnnxOutputTensor(name, shape, values);
        }
        finally
        {
            _api.ReleaseTensorTypeAndShapeInfo(info);
        }
    }

    private OnnxTensorInfo[] ReadTensorInfos(bool isInput)
    {
        var session = _session.DangerousGetHandle();
        nuint count;
        _api.Check(isInput ? _api.SessionGetInputCount(session, &count) : _api.SessionGetOutputCount(session, &count), "SessionGetInputCount/OutputCount");
        var infos = new OnnxTensorInfo[(int)count];
        for (nuint i = 0; i < count; i++)
        {
            byte* rawName = null;
            _api.Check(isInput ? _api.SessionGetInputName(session, i, _runtime.DefaultAllocator, &rawName) : _api.SessionGetOutputName(session, i, _runtime.DefaultAllocator, &rawName), "SessionGetInputName/OutputName");
            string name;
            try
            {
                name = Marshal.PtrToStringUTF8((nint)rawName) ?? string.Empty;
            }
            finally
            {
                _api.Check(_api.AllocatorFree(_runtime.DefaultAllocator, rawName), "AllocatorFree");
            }

            nint typeInfo = 0;
            _api.Check(isInput ? _api.SessionGetInputTypeInfo(session, i, &typeInfo) : _api.SessionGetOutputTypeInfo(session, i, &typeInfo), "SessionGetInputTypeInfo/OutputTypeInfo");
            try
            {
                infos[(int)i] = ReadTensorInfo(name, typeInfo);
            }
            finally
            {
                _api.ReleaseTypeInfo(typeInfo);
            }
        }

        return infos;
    }

    private OnnxTensorInfo ReadTensorInfo(string name, nint typeInfo)
    {
        int onnxType;
        _api.Check(_api.GetOnnxTypeFromTypeInfo(typeInfo, &onnxType), "GetOnnxTypeFromTypeInfo");
        nint tensorInfo = 0;
        if (onnxType == OnnxTypeTensor)
        {
            // Owned by the type info: not released separately.
            _api.Check(_api.CastTypeInfoToTensorInfo(typeInfo, &tensorInfo), "CastTypeInfoToTensorInfo");
        }

        if (tensorInfo == 0)
        {
            return new OnnxTensorInfo(name, OnnxElementType.Undefined, [], []);
        }

        int elementType;
        _api.Check(_api.GetTensorElementType(tensorInfo, &elementType), "GetTensorElementType");
        nuint rank;
        _api.Check(_api.GetDimensionsCount(tensorInfo, &rank), "GetDimensionsCount");
        var shape = new long[(int)rank];
        var symbols = new string[(int)rank];
        var symbolPointers = new nint[(int)rank];
        fixed (long* dims = shape)
        fixed (nint* names = symbolPointers)
        {
            _api.Check(_api.GetDimensions(tensorInfo, dims, rank), "GetDimensions");
            _api.Check(_api.GetSymbolicDimensions(tensorInfo, (byte**)names, rank), "GetSymbolicDimensions");
        }

        for (var d = 0; d < symbols.Length; d++)
        {
            symbols[d] = symbolPointers[d] == 0 ? string.Empty : Marshal.PtrToStringUTF8(symbolPointers[d]) ?? string.Empty;
        }

        return new OnnxTensorInfo(name, (OnnxElementType)elementType, shape, symbols);
    }
}
