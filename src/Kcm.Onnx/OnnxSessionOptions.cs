using System.Globalization;
using Microsoft.ML.OnnxRuntime;

namespace Kcm.Onnx;

/// <summary>
/// How to create an ONNX Runtime session, in the terms configuration uses. Immutable; <see cref="Validate"/> reports
/// every bad field at once, and <see cref="CreateSessionOptions"/> turns it into ONNX Runtime's own options.
/// </summary>
public sealed record OnnxSessionOptions
{
    /// <summary>Upper bound for thread counts; more than this is a configuration mistake, not a tuning choice.</summary>
    public const int MaxThreads = 256;

    private const string CudaProviderName = "CUDAExecutionProvider";

    /// <summary>The defaults: CPU, one intra-op and one inter-op thread, all graph optimizations.</summary>
    public static OnnxSessionOptions Default { get; } = new();

    /// <summary>Threads used inside one operator (e.g. a MatMul). <value>Default 1; 0 lets ORT use one per physical core.</value></summary>
    public int IntraOpThreads { get; init; } = 1;

    /// <summary>Threads running independent graph nodes; only used with <see cref="ParallelExecution"/>. <value>Default 1; 0 lets ORT choose.</value></summary>
    public int InterOpThreads { get; init; } = 1;

    /// <summary>Run independent branches of the graph in parallel (ORT_PARALLEL). <value>Default false (sequential).</value></summary>
    public bool ParallelExecution { get; init; }

    /// <summary>Graph rewrites applied at load. <value>Default <see cref="OnnxGraphOptimizationLevel.All"/>.</value></summary>
    public OnnxGraphOptimizationLevel GraphOptimization { get; init; } = OnnxGraphOptimizationLevel.All;

    /// <summary>Where to run. <value>Default <see cref="OnnxExecutionProvider.Cpu"/>.</value> CUDA fails loudly when unavailable.</summary>
    public OnnxExecutionProvider ExecutionProvider { get; init; } = OnnxExecutionProvider.Cpu;

    /// <summary>CUDA device ordinal; must stay 0 for CPU. <value>Default 0.</value></summary>
    public int DeviceId { get; init; }

    /// <summary>One message per invalid field, each starting with <paramref name="prefix"/> and the field's name (empty when valid).</summary>
    public IReadOnlyList<string> Problems(string prefix = "")
    {
        var problems = new List<string>();
        if (IntraOpThreads is < 0 or > MaxThreads)
        {
            problems.Add($"{prefix}{nameof(IntraOpThreads)} must be 0 (ORT default) to {MaxThreads}, got {IntraOpThreads}");
        }

        if (InterOpThreads is < 0 or > MaxThreads)
        {
            problems.Add($"{prefix}{nameof(InterOpThreads)} must be 0 (ORT default) to {MaxThreads}, got {InterOpThreads}");
        }

        if (!Enum.IsDefined(GraphOptimization))
        {
            problems.Add($"{prefix}{nameof(GraphOptimization)} must be one of {string.Join(", ", Enum.GetNames<OnnxGraphOptimizationLevel>())}, got {(int)GraphOptimization}");
        }

        if (!Enum.IsDefined(ExecutionProvider))
        {
            problems.Add($"{prefix}{nameof(ExecutionProvider)} must be one of {string.Join(", ", Enum.GetNames<OnnxExecutionProvider>())}, got {(int)ExecutionProvider}");
        }

        if (DeviceId < 0)
        {
            problems.Add($"{prefix}{nameof(DeviceId)} must be >= 0, got {DeviceId}");
        }
        else if (DeviceId != 0 && ExecutionProvider == OnnxExecutionProvider.Cpu)
        {
            problems.Add($"{prefix}{nameof(DeviceId)} applies only to {nameof(OnnxExecutionProvider.Cuda)}, got {DeviceId} with {nameof(OnnxExecutionProvider.Cpu)}");
        }

        return problems;
    }

    /// <summary>Throws <see cref="OnnxOptionsException"/> naming every invalid field.</summary>
    public void Validate()
    {
        var problems = Problems();
        if (problems.Count > 0)
        {
            throw new OnnxOptionsException(problems);
        }
    }

    /// <summary>
    /// ONNX Runtime's options for these settings (the caller disposes them once the session exists). Asking for CUDA
    /// where its provider cannot load throws <see cref="OnnxProviderUnavailableException"/> here: there is no CPU fallback.
    /// </summary>
    public SessionOptions CreateSessionOptions()
    {
        Validate();
        var options = new SessionOptions
        {
            IntraOpNumThreads = IntraOpThreads,
            InterOpNumThreads = InterOpThreads,
            ExecutionMode = ParallelExecution ? ExecutionMode.ORT_PARALLEL : ExecutionMode.ORT_SEQUENTIAL,
            GraphOptimizationLevel = GraphOptimization switch
            {
                OnnxGraphOptimizationLevel.Disabled => GraphOptimizationLevel.ORT_DISABLE_ALL,
                OnnxGraphOptimizationLevel.Basic => GraphOptimizationLevel.ORT_ENABLE_BASIC,
                OnnxGraphOptimizationLevel.Extended => GraphOptimizationLevel.ORT_ENABLE_EXTENDED,
                _ => GraphOptimizationLevel.ORT_ENABLE_ALL,
            },
        };
        try
        {
            if (ExecutionProvider == OnnxExecutionProvider.Cuda)
            {
                AppendCuda(options, DeviceId);
            }

            return options;
        }
        catch
        {
            options.Dispose();
            throw;
        }
    }

    private static void AppendCuda(SessionOptions options, int deviceId)
    {
        // The CPU flavour has no CUDA provider at all (its CUDA calls fail with "not enabled in this build").
        var providers = OrtEnv.Instance().GetAvailableProviders();
        if (!providers.Contains(CudaProviderName))
        {
            throw OnnxProviderUnavailableException.CpuOnlyBuild(deviceId, providers);
        }

        try
        {
            // The OrtCUDAProviderOptions overload: on failure its message names the library that did not load
            // (the integer overload's does not).
            using var cuda = new OrtCUDAProviderOptions();
            cuda.UpdateOptions(new Dictionary<string, string> { ["device_id"] = deviceId.ToString(CultureInfo.InvariantCulture) });
            options.AppendExecutionProvider_CUDA(cuda);
        }
        catch (OnnxRuntimeException e)
        {
            throw OnnxProviderUnavailableException.CudaDidNotLoad(deviceId, e);
        }
    }
}
