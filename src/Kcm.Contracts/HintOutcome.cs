using System.Text.Json.Serialization;

namespace Kcm.Contracts;

/// <summary>
/// Whether the large model read the small model's probabilities as a hint for a large-route row; "used" or "unused"
/// on the wire (the converter writes the literal; nothing is formatted per row).
/// </summary>
[JsonConverter(typeof(JsonStringEnumConverter<HintOutcome>))]
public enum HintOutcome
{
    /// <summary>The large model read the hint.</summary>
    [JsonStringEnumMemberName("used")]
    Used,

    /// <summary>The large model declares no hint input, or the hint is turned off (<c>Kcm:Embedded:UseHint</c> false).</summary>
    [JsonStringEnumMemberName("unused")]
    Unused,
}
