using System.Text.Json.Serialization;

namespace Kcm.Models.Storage;

/// <summary>Source-generated JSON for the model store's version records.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, WriteIndented = true)]
[JsonSerializable(typeof(StoredModel))]
internal sealed partial class ModelStoreJsonContext : JsonSerializerContext;
