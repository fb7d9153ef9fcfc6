using Kcm.Onnx;

namespace Kcm.Grains.Hosting;

/// <summary>
/// How a silo runs the judge and the small model (configuration section <c>Kcm:Inference</c>): each by the C# forward
/// pass or by ONNX Runtime over its graph. The ONNX path runs on <see cref="ExecutionProvider"/> on silos with the gpu
/// role and on the CPU elsewhere; CUDA where it cannot run fails with a clear message, never falls back to the CPU.
/// </summary>
public sealed class ClassifierInferenceOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Kcm:Inference";

    /// <summary>What runs the judge.</summary>
    /// <value>Default CSharp (configuration: <c>csharp</c> or <c>onnx</c>, any case).</value>
    public ClassifierEngine Judge { get; set; } = ClassifierEngine.CSharp;

    /// <summary>What runs the small model.</summary>
    /// <value>Default CSharp.</value>
    public ClassifierEngine SmallModel { get; set; } = ClassifierEngine.CSharp;

    /// <summary>Where the ONNX path runs on gpu silos: Cpu, or Cuda (the GPU flavour build, a GPU and CUDA's libraries); other silos always use the CPU.</summary>
    /// <value>Default Cpu.</value>
    public OnnxExecutionProvider ExecutionProvider { get; set; } = OnnxExecutionProvider.Cpu;

    /// <summary>The CUDA device of the ONNX path (only with <see cref="ExecutionProvider"/> Cuda).</summary>
    /// <value>Default 0.</value>
    public int DeviceId { get; set; }

    /// <summary>ONNX Runtime intra-op threads per judge or small-model session.</summary>
    /// <value>Default 1; 1 to 64.</value>
    public int IntraOpThreads { get; set; } = 1;

    /// <summary>Whether either model runs on the ONNX path.</summary>
    public bool UsesOnnx => Judge == ClassifierEngine.Onnx || SmallModel == ClassifierEngine.Onnx;

    /// <summary>The ONNX path's session options on a silo with (<paramref name="gpuSilo"/>) or without the gpu role.</summary>
    public OnnxSessionOptions SessionOptions(bool gpuSilo) => gpuSilo
        ? new OnnxSessionOptions { IntraOpThreads = IntraOpThreads, ExecutionProvider = ExecutionProvider, DeviceId = DeviceId }
        : new OnnxSessionOptions { IntraOpThreads = IntraOpThreads };

    /// <summary>One message per invalid field, each naming it after <paramref name="prefix"/>.</summary>
    public IEnumerable<string> Problems(string prefix)
    {
        foreach (var (field, value) in new[] { (nameof(Judge), Judge), (nameof(SmallModel), SmallModel) })
        {
            if (!Enum.IsDefined(value))
            {
                yield return $"{prefix}{field} must be csharp or onnx (was {(int)value}).";
            }
        }

        if (IntraOpThreads is < 1 or > 64)
        {
            yield return $"{prefix}{nameof(IntraOpThreads)} must be 1 to 64 (was {IntraOpThreads}).";
        }

        foreach (var problem in SessionOptions(gpuSilo: true).Problems(prefix))
        {
            if (!problem.StartsWith(prefix + nameof(IntraOpThreads), StringComparison.Ordinal))
            {
                yield return problem + ".";
            }
        }

        if (ExecutionProvider == OnnxExecutionProvider.Cuda && !UsesOnnx)
        {
            yield return $"{prefix}{nameof(ExecutionProvider)} Cuda applies only to the ONNX path: set {prefix}{nameof(Judge)} or {prefix}{nameof(SmallModel)} to onnx.";
        }
    }
}
