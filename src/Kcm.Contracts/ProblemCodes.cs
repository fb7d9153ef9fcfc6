namespace Kcm.Contracts;

/// <summary>The stable machine codes carried in a problem's <c>code</c> field.</summary>
public static class ProblemCodes
{
    public const string MalformedJson = "malformed_json";
    public const string WrongFeatureCount = "wrong_feature_count";
    public const string NonFiniteValue = "non_finite_value";
    public const string EmptyBatch = "empty_batch";
    public const string BatchTooLarge = "batch_too_large";
    public const string MalformedShape = "malformed_shape";
    public const string UnknownModel = "unknown_model";
    public const string UnsupportedMediaType = "unsupported_media_type";
    public const string Unauthorized = "unauthorized";
    public const string AdminDisabled = "admin_disabled";
    public const string Overloaded = "overloaded";
    public const string NotReady = "not_ready";
    public const string ShuttingDown = "shutting_down";
    public const string DeadlineExceeded = "deadline_exceeded";
    public const string InvalidThreshold = "invalid_threshold";
    public const string UnknownVersion = "unknown_version";

    /// <summary>A stored version exists but its file does not verify; the current version keeps serving.</summary>
    public const string CorruptVersion = "corrupt_version";

    /// <summary>Cluster mode: the large model's workers are out of reach (broker disconnected); retriable.</summary>
    public const string LargeModelUnavailable = "large_model_unavailable";

    /// <summary>Cluster mode: readiness while the broker connection is down.</summary>
    public const string BrokerDisconnected = "broker_disconnected";

    /// <summary>Cluster mode: inference sent to a silo without the front role.</summary>
    public const string NotAFront = "not_a_front";
    public const string Internal = "internal";
}
