namespace Kcm.Grains.Hosting;

/// <summary>What runs the judge or the small model on a silo.</summary>
public enum ClassifierEngine
{
    /// <summary>The C# forward pass (Kcm.Core), on the CPU.</summary>
    CSharp,

    /// <summary>ONNX Runtime over the architecture's graph with the weights bound (<c>GraphClassifier</c>): CPU, or the configured provider on gpu silos.</summary>
    Onnx,
}
