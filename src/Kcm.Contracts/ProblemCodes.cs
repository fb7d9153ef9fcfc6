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
    public const string Internal = "internal";
}
