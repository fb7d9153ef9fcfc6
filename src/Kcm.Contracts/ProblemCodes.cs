namespace Kcm.Contracts;

/// <summary>The stable machine codes carried in a problem's <c>code</c> field.</summary>
public static class ProblemCodes
{
    public const string MalformedJson = "malformed_json";
    public const string WrongFeatureCount = "wrong_feature_count";
    public const string NonFiniteValue = "non_finite_value";

    /// <summary>Infer: a model's output for a sample is not finite (inputs far outside the training range); 422, not retriable.</summary>
    public const string NonFiniteOutput = "non_finite_output";

    /// <summary>The request body is larger than the silo accepts (413).</summary>
    public const string BodyTooLarge = "body_too_large";

    /// <summary>The HTTP request itself is malformed, e.g. a body shorter than its Content-Length (400).</summary>
    public const string BadRequest = "bad_request";

    /// <summary>No endpoint at this path (404).</summary>
    public const string NotFound = "not_found";

    /// <summary>The endpoint exists but not for this HTTP method (405).</summary>
    public const string MethodNotAllowed = "method_not_allowed";
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

    /// <summary>Generate: the prompt is missing, empty or gives no tokens.</summary>
    public const string InvalidPrompt = "invalid_prompt";

    /// <summary>Generate: the prompt leaves no room in a model's context (or exceeds the character limit).</summary>
    public const string PromptTooLong = "prompt_too_long";

    /// <summary>Generate: max_tokens is out of range.</summary>
    public const string InvalidMaxTokens = "invalid_max_tokens";

    /// <summary>Generate: too many stop strings, or one empty or too long.</summary>
    public const string InvalidStop = "invalid_stop";

    /// <summary>Generate: the mode is not one of main, avg, adapt, sparse, gated.</summary>
    public const string InvalidMode = "invalid_mode";

    /// <summary>Generate: the ensemble cannot run this mode (e.g. adapt without weights in its manifest).</summary>
    public const string ModeUnavailable = "mode_unavailable";

    /// <summary>Generate: decoding failed after the stream started (sent as an <c>event: error</c>).</summary>
    public const string GenerationFailed = "generation_failed";
    public const string Internal = "internal";
}
