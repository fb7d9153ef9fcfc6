using System.Text.Json.Serialization;

namespace Kcm.Grains.Storage;

/// <summary>Source-generated JSON for the grains' own files (store metadata, persisted threshold).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, WriteIndented = true)]
[JsonSerializable(typeof(StoredModel))]
[JsonSerializable(typeof(ThresholdState))]
internal sealed partial class GrainsJsonContext : JsonSerializerContext;
