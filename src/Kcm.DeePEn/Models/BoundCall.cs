using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace Kcm.DeePEn.Models;

/// <summary>
/// One run of a session through an IOBinding: inputs and outputs bound as OrtValues over caller memory (pinned until
/// disposed) or, for outputs whose shape only the run knows, allocated by ONNX Runtime on the CPU.
/// </summary>
internal sealed class BoundCall : IDisposable
{
    private readonly InferenceSession _session;
    private readonly OrtIoBinding _binding;
    private readonly List<OrtValue> _values = [];

    public BoundCall(InferenceSession session)
    {
        _session = session;
        _binding = session.CreateIoBinding();
    }

    public void Input(string name, long[] data, params long[] shape) =>
        _binding.BindInput(name, Keep(OrtValue.CreateTensorValueFromMemory(data, shape)));

    public void Input(string name, Memory<float> data, params long[] shape) =>
        _binding.BindInput(name, Keep(OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, data, shape)));

    /// <summary>An input in memory ONNX Runtime allocates (off the managed heap), to be filled through the span before <see cref="Run"/>.</summary>
    public Span<float> AllocatedInput(string name, params long[] shape)
    {
        var value = Keep(OrtValue.CreateAllocatedTensorValue(OrtAllocator.DefaultInstance, TensorElementType.Float, shape));
        _binding.BindInput(name, value);
        return value.GetTensorMutableDataAsSpan<float>();
    }

    /// <summary>ONNX Runtime writes this output into <paramref name="data"/>, which must hold exactly <paramref name="shape"/>.</summary>
    public void Output(string name, Memory<float> data, params long[] shape) =>
        _binding.BindOutput(name, Keep(OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, data, shape)));

    public void OutputToCpu(string name) => _binding.BindOutputToDevice(name, OrtMemoryInfo.DefaultInstance);

    /// <summary>Runs, returning every bound output in the order bound (the caller disposes them).</summary>
    public IDisposableReadOnlyCollection<OrtValue> Run(RunOptions options) => _session.RunWithBoundResults(options, _binding);

    public void Dispose()
    {
        _binding.Dispose();
        foreach (var value in _values)
        {
            value.Dispose();
        }
    }

    private OrtValue Keep(OrtValue value)
    {
        _values.Add(value);
        return value;
    }
}
