namespace Kcm.Abstractions.Classification;

/// <summary>Whether the large model read the small model's probabilities as a hint for a large-route row.</summary>
[GenerateSerializer, Alias("kcm.hint-use")]
public enum HintUse : byte
{
    /// <summary>The large model has no hint input, or the hint is turned off (<c>Kcm:Embedded:UseHint</c> false).</summary>
    Unused,

    /// <summary>The large model read the small model's probabilities for the row.</summary>
    Used,
}
