namespace Kcm.Contracts;

/// <summary>Content types of the KCM wire contract.</summary>
public static class KcmMediaTypes
{
    public const string Json = "application/json";

    /// <summary>Raw little-endian float32 infer body; shape in <see cref="KcmHeaders.Shape"/>.</summary>
    public const string OctetStream = "application/octet-stream";

    public const string ProblemJson = "application/problem+json";

    /// <summary>Server-sent events: the generation stream.</summary>
    public const string EventStream = "text/event-stream";
}
