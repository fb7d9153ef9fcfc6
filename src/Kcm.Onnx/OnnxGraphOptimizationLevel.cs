namespace Kcm.Onnx;

/// <summary>How much ONNX Runtime rewrites the graph when a session loads (its GraphOptimizationLevel, named for configuration).</summary>
public enum OnnxGraphOptimizationLevel
{
    Disabled = 0,
    Basic = 1,
    Extended = 2,
    All = 99,
}
