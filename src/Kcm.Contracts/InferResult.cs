using System.Text.Json.Serialization;

namespace Kcm.Contracts;

/// <summary>The outcome for one sample of an inference batch.</summary>
/// <param name="Label">The predicted class.</param>
/// <param name="Probabilities">Class probabilities; only when the request asked for them (omitted from the JSON otherwise).</param>
/// <param name="Route">Which model answered.</param>
/// <param name="JudgeConfidence">The routing score compared with the threshold: by default the judge's confidence (max softmax); see the model's routing_score.</param>
/// <param name="SmallModelVersion">The small model version the judge and small route used.</param>
/// <param name="Hint">Large route only: whether the large model read the small model's probabilities ("used", "unused"); null on the small route.</param>
/// <param name="LatencyMs">Server-side time spent on this sample's batch, in milliseconds.</param>
public sealed record InferResult(
    int Label,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] float[]? Probabilities,
    InferenceRoute Route,
    double JudgeConfidence,
    int SmallModelVersion,
    HintOutcome? Hint,
    double LatencyMs);
