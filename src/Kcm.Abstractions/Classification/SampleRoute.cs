namespace Kcm.Abstractions.Classification;

/// <summary>Which model answered a row.</summary>
[GenerateSerializer, Alias("kcm.sample-route")]
public enum SampleRoute : byte
{
    /// <summary>The small model: the judge trusted it.</summary>
    Small,

    /// <summary>The large model, given the small model's probabilities as a hint.</summary>
    Large,
}
