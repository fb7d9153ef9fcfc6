namespace Kcm.Core.Routing;

/// <summary>Which router routes, and at which threshold (bound from configuration, e.g. "Routing": {"Router": "kan-judge"}).</summary>
public sealed record RouterOptions
{
    /// <value>The router's configuration name (see <see cref="RouterKinds"/>). Default "kan-judge".</value>
    public string Router { get; init; } = RouterKinds.Name(RouterKind.KanJudge);

    /// <value>Threshold epsilon in [0, 1]. Default 0.98.</value>
    public float Epsilon { get; init; } = ThresholdPolicy.DefaultEpsilon;

    /// <value>When set, epsilon is calibrated to send this share of traffic to the large model. Default none.</value>
    public double? TargetLargeShare { get; init; }

    /// <summary>The parsed router; call <see cref="Validate"/> first.</summary>
    public RouterKind Kind => RouterKinds.TryParse(Router, out var kind) ? kind : throw new InvalidOperationException($"Unknown router '{Router}'.");

    public ThresholdPolicy Policy => new() { Epsilon = Epsilon };

    /// <summary>Throws one <see cref="ArgumentException"/> naming every invalid field.</summary>
    public void Validate()
    {
        var errors = new List<string>();
        if (!RouterKinds.TryParse(Router, out _))
        {
            errors.Add($"{nameof(Router)} '{Router}' is not one of {string.Join(", ", RouterKinds.All.Select(RouterKinds.Name))}.");
        }

        if (!(Epsilon >= 0f && Epsilon <= 1f))
        {
            errors.Add($"{nameof(Epsilon)} must be in [0, 1] (was {Epsilon}).");
        }

        if (TargetLargeShare is { } share && !(share >= 0.0 && share <= 1.0))
        {
            errors.Add($"{nameof(TargetLargeShare)} must be in [0, 1] (was {share}).");
        }

        if (errors.Count > 0)
        {
            throw new ArgumentException("Invalid router options: " + string.Join(" ", errors));
        }
    }
}
