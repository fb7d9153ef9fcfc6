namespace Kcm.Contracts;

/// <summary>HTTP header names of the KCM wire contract.</summary>
public static class KcmHeaders
{
    /// <summary>Shape of a binary infer body: "batch,features".</summary>
    public const string Shape = "X-Kcm-Shape";

    /// <summary>"true" asks a binary infer request to return class probabilities.</summary>
    public const string ReturnProbabilities = "X-Kcm-Return-Probabilities";

    /// <summary>Seconds (or an HTTP date) to wait before retrying a 429/503.</summary>
    public const string RetryAfter = "Retry-After";

    /// <summary>Admin endpoints take "Bearer &lt;token&gt;" here.</summary>
    public const string Authorization = "Authorization";
}
