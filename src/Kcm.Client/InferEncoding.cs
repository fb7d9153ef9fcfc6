namespace Kcm.Client;

/// <summary>How <see cref="KcmClient"/> sends inference inputs.</summary>
public enum InferEncoding
{
    /// <summary>Raw little-endian float32 (<c>application/octet-stream</c>); the fast path.</summary>
    Binary,

    /// <summary>JSON <c>{"inputs": [[...]]}</c>; easy to read and debug.</summary>
    Json,
}
