namespace Kcm.Onnx;

/// <summary>How to create an <see cref="OnnxSession"/>. Immutable; <see cref="Validate"/> reports every bad field at once.</summary>
public sealed record OnnxSessionOptions
{
    /// <summary>Upper bound for thread counts; more than this is a configuration mistake, not a tuning choice.</summary>
    public const int MaxThreads = 256;

    /// <summary>The defaults: CPU, one intra-op and one inter-op thread, all graph optimizations.</summary>
    public static OnnxSessionOptions Default { get; } = new();

    /// <summary>
    /// Explicit path to libonnxruntime.so.1. When set it is the only place looked at; when null the library is found
    /// through KCM_ONNXRUNTIME_PATH, $KCM_HOME/.native/... and the folders above the application (see docs/onnx.md).
    /// </summary>
    public string? LibraryPath { get; init; }

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

    /// <summary>Throws <see cref="OnnxOptionsException"/> naming every invalid field.</summary>
    public void Validate()
    {
        var errors = new List<string>();
        if (LibraryPath is not null && string.IsNullOrWhiteSpace(LibraryPath))
        {
            errors.Add($"{nameof(LibraryPath)} must be null or a path, got an empty string");
        }

        if (IntraOpThreads is < 0 or > MaxThreads)
        {
            errors.Add($"{nameof(IntraOpThreads)} must be 0 (ORT default) to {MaxThreads}, got {IntraOpThreads}");
        }

        if (InterOpThreads is < 0 or > MaxThreads)
        {
            errors.Add($"{nameof(InterOpThreads)} must be 0 (ORT default) to {MaxThreads}, got {InterOpThreads}");
        }

        if (!Enum.IsDefined(GraphOptimization))
        {
            errors.Add($"{nameof(GraphOptimization)} must be one of {string.Join(", ", Enum.GetNames<OnnxGraphOptimizationLevel>())}, got {(int)GraphOptimization}");
        }

        if (!Enum.IsDefined(ExecutionProvider))
        {
            errors.Add($"{nameof(ExecutionProvider)} must be one of {string.Join(", ", Enum.GetNames<OnnxExecutionProvider>())}, got {(int)ExecutionProvider}");
        }

        if (DeviceId < 0)
        {
            errors.Add($"{nameof(DeviceId)} must be >= 0, got {DeviceId}");
        }
        else if (DeviceId != 0 && ExecutionProvider == OnnxExecutionProvider.Cpu)
        {
            errors.Add($"{nameof(DeviceId)} applies only to {nameof(OnnxExecutionProvider.Cuda)}, got {DeviceId} with {nameof(OnnxExecutionProvider.Cpu)}");
        }

        if (errors.Count > 0)
        {
            throw new OnnxOptionsException(errors);
        }
    }
}
