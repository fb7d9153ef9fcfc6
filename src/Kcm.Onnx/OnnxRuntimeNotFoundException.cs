namespace Kcm.Onnx;

/// <summary>The ONNX Runtime native library was not found (or would not load) in any of the places searched.</summary>
public sealed class OnnxRuntimeNotFoundException : Exception
{
    public OnnxRuntimeNotFoundException(IReadOnlyList<string> searched, string? detail = null)
        : base(BuildMessage(searched, detail))
    {
        Searched = searched;
    }

    /// <summary>Every place looked at, in order, each with why it was rejected.</summary>
    public IReadOnlyList<string> Searched { get; }

    private static string BuildMessage(IReadOnlyList<string> searched, string? detail)
    {
        var lines = string.Join(Environment.NewLine, searched.Select(s => "  - " + s));
        var reason = detail is null ? string.Empty : $" ({detail})";
        return $"ONNX Runtime native library not found{reason}. Looked in:{Environment.NewLine}{lines}{Environment.NewLine}"
            + "Run ./kcm setup to install it, or set KCM_ONNXRUNTIME_PATH to libonnxruntime.so.1.";
    }
}
