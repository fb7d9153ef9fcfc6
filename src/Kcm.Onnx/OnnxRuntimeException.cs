namespace Kcm.Onnx;

/// <summary>ONNX Runtime returned an error status; carries its code and message.</summary>
public class OnnxRuntimeException : Exception
{
    public OnnxRuntimeException(string operation, OnnxErrorCode errorCode, string nativeMessage)
        : base($"ONNX Runtime {operation} failed ({errorCode}): {nativeMessage}")
    {
        Operation = operation;
        ErrorCode = errorCode;
        NativeMessage = nativeMessage;
    }

    /// <summary>What the binding was doing, e.g. "CreateSession".</summary>
    public string Operation { get; }

    /// <summary>ORT's error code.</summary>
    public OnnxErrorCode ErrorCode { get; }

    /// <summary>ORT's own message, unchanged.</summary>
    public string NativeMessage { get; }
}
