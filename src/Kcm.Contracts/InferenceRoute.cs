using System.Text.Json.Serialization;

namespace Kcm.Contracts;

/// <summary>Which model answered a sample; written as "small" or "large" on the wire.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<InferenceRoute>))]
public enum InferenceRoute
{
    [JsonStringEnumMemberName("small")]
    Small,

    [JsonStringEnumMemberName("large")]
    Large,
}
