using System.Text.Json.Serialization;

namespace Kcm.Contracts;

/// <summary>Source-generated snake_case JSON for every wire body; the silo and the client both use it.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(InferRequest))]
[JsonSerializable(typeof(InferResponse))]
[JsonSerializable(typeof(ModelInfo))]
[JsonSerializable(typeof(ThresholdRequest))]
[JsonSerializable(typeof(ThresholdResponse))]
[JsonSerializable(typeof(RollbackRequest))]
[JsonSerializable(typeof(RollbackResponse))]
[JsonSerializable(typeof(DistillResponse))]
[JsonSerializable(typeof(DistillationInfo))]
[JsonSerializable(typeof(KcmProblemDetails))]
[JsonSerializable(typeof(GenerateRequest))]
[JsonSerializable(typeof(GenerationToken))]
[JsonSerializable(typeof(GenerationDone))]
public sealed partial class KcmJsonContext : JsonSerializerContext;
