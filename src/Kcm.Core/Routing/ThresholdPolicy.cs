namespace Kcm.Core.Routing;

/// <summary>
/// The routing rule, the one serving and the evaluation both use: a sample whose router confidence C_x is at least
/// epsilon goes to the small model, every other sample to the large model. A confidence that is not a finite number
/// (NaN from a judge whose output overflowed) is never "at least epsilon": such a sample goes to the large model.
/// Epsilon = 0 sends every finite confidence to the small model.
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

    public RouteTarget Route(float confidence) =>
        float.IsFinite(confidence) && confidence >= Epsilon ? RouteTarget.Small : RouteTarget.Large;

    /// <summary>Routes every sample of a batch into <paramref name="routes"/>; returns how many go to the large model.</summary>
    public int Route(ReadOnlySpan<float> confidences, Span<RouteTarget> routes)
    {
        if (routes.Length < confidences.Length)
        {
            throw new ArgumentException($"{routes.Length} routes for {confidences.Length} confidences.", nameof(routes));
        }

        var large = 0;
        for (var i = 0; i < confidences.Length; i++)
        {
            routes[i] = Route(confidences[i]);
            if (routes[i] == RouteTarget.Large)
            {
                large++;
            }
        }

        return large;
    }

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
            if (Route(confidence) == RouteTarget.Large)
            {
                large++;
            }
        }

        return (double)large / confidences.Length;
    }
}
