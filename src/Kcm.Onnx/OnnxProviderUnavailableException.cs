namespace Kcm.Onnx;

/// <summary>An execution provider was requested (e.g. CUDA) that this library or machine cannot give; there is no silent CPU fallback.</summary>
public sealed class OnnxProviderUnavailableException : Exception
{
    public OnnxProviderUnavailableException(OnnxExecutionProvider provider, string message, Exception? inner = null)
        : base(message, inner)
    {
        Provider = provider;
    }

    public OnnxExecutionProvider Provider { get; }
}
