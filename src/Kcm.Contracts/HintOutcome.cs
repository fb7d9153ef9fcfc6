using System.Text.Json.Serialization;

namespace Kcm.Contracts;

/// <summary>Whether the small model's probabilities were given to the large model as a hint; "applied" or "skipped" on the wire.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<HintOutcome>))]
public enum HintOutcome
{
    [JsonStringEnumMemberName("applied")]
    Applied,

    [JsonStringEnumMemberName("skipped")]
    Skipped,
}
