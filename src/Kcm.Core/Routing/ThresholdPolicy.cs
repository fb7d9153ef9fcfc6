namespace Kcm.Core.Routing;

/// <summary>
/// The routing rule: a sample whose router confidence C_x is at least epsilon goes to the small model, every other
/// sample to the large model. Confidences are in [0, 1]; epsilon = 0 sends everything to the small model.
/// </summary>
public sealed record ThresholdPolicy
{
    /// <summary>The default epsilon, 0.98.</summary>
    public const float DefaultEpsilon = 0.98f;

    /// <value>Threshold epsilon in [0, 1]. Default 0.98.</value>
    public float Epsilon { get; init; } = DefaultEpsilon;

    /// <summary>Throws one <see cref="ArgumentException"/> naming every invalid field.</summary>
    public void Validate()
    {
        if (!(Epsilon >= 0f && Epsilon <= 1f))
        {
            throw new ArgumentException($"Invalid threshold policy: {nameof(Epsilon)} must be in [0, 1] (was {Epsilon}).");
        }
    }

    public RouteTarget Route(float confidence) => confidence >= Epsilon ? RouteTarget.Small : RouteTarget.Large;

    /// <summary>The fraction of <paramref name="confidences"/> this policy sends to the large model (0 for none).</summary>
    public double LargeShare(ReadOnlySpan<float> confidences)
    {
        if (confidences.IsEmpty)
        {
            return 0.0;
        }

        var large = 0;
        foreach (var confidence in confidences)
        {
            if (confidence < Epsilon)
            {
                large++;
            }
        }

        return (double)large / confidences.Length;
    }
}
