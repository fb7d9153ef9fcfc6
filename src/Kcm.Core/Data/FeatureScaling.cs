namespace Kcm.Core.Data;

/// <summary>
/// The per-feature input map of the small model and the judges: x' = clamp((x - min) * scale, 0, 1), fitted on the
/// labelled seed. Features already in [0, 1] (pixels / 255) are left as they are (<see cref="IsIdentity"/>); a feature
/// that is constant on the seed gets scale 0 (it carries no information there) and maps to 0. Clamping keeps unseen
/// extremes inside the KAN grid and the range the MLP was trained on.
/// </summary>
public sealed class FeatureScaling
{
    private readonly float[] _minimum;
    private readonly float[] _scale;

    private FeatureScaling(float[] minimum, float[] scale, bool isIdentity)
    {
        _minimum = minimum;
        _scale = scale;
        IsIdentity = isIdentity;
    }

    /// <summary>True when every feature of the fitted data was already in [0, 1]: inputs pass unchanged.</summary>
    public bool IsIdentity { get; }

    public int FeatureCount => _minimum.Length;

    /// <summary>Per-feature minimum on the fitted data (0 for the identity).</summary>
    public ReadOnlySpan<float> Minimum => _minimum;

    /// <summary>Per-feature 1 / (max - min) on the fitted data (1 for the identity, 0 for a constant feature).</summary>
    public ReadOnlySpan<float> Scale => _scale;

    /// <summary>Features that were constant on the fitted data.</summary>
    public int ConstantFeatures => _scale.Count(s => s == 0f);

    /// <summary>A scaling stored earlier (<see cref="Minimum"/> and <see cref="Scale"/>, e.g. beside a model's weights).</summary>
    /// <exception cref="ArgumentException">The two differ in length, are empty, or hold a value that is not finite or a negative scale.</exception>
    public static FeatureScaling Create(ReadOnlySpan<float> minimum, ReadOnlySpan<float> scale)
    {
        if (minimum.Length == 0 || minimum.Length != scale.Length)
        {
            throw new ArgumentException($"A scaling needs one minimum and one scale per feature (got {minimum.Length} and {scale.Length}).", nameof(scale));
        }

        foreach (var value in minimum)
        {
            if (!float.IsFinite(value))
            {
                throw new ArgumentException("A scaling's minimum must be finite.", nameof(minimum));
            }
        }

        foreach (var value in scale)
        {
            if (!float.IsFinite(value) || value < 0f)
            {
                throw new ArgumentException("A scaling's scale must be finite and not negative.", nameof(scale));
            }
        }

        var identity = !minimum.ContainsAnyExcept(0f) && !scale.ContainsAnyExcept(1f);
        return new FeatureScaling(minimum.ToArray(), scale.ToArray(), identity);
    }

    /// <summary>Fits the map on <paramref name="data"/>; throws <see cref="ArgumentException"/> naming the first non-finite value.</summary>
    public static FeatureScaling Fit(Dataset data)
    {
        ArgumentNullException.ThrowIfNull(data);
        FeatureChecks.RequireFinite(data, "the fitted data");
        var features = data.FeatureCount;
        var minimum = new float[features];
        var maximum = new float[features];
        Array.Fill(minimum, float.PositiveInfinity);
        Array.Fill(maximum, float.NegativeInfinity);
        for (var r = 0; r < data.Count; r++)
        {
            var row = data.Row(r);
            for (var f = 0; f < features; f++)
            {
                minimum[f] = Math.Min(minimum[f], row[f]);
                maximum[f] = Math.Max(maximum[f], row[f]);
            }
        }

        var unit = data.Count > 0 && minimum.All(m => m >= 0f) && maximum.All(m => m <= 1f);
        var scale = new float[features];
        if (unit)
        {
            Array.Clear(minimum);
            Array.Fill(scale, 1f);
            return new FeatureScaling(minimum, scale, true);
        }

        for (var f = 0; f < features; f++)
        {
            var range = maximum[f] - minimum[f];
            scale[f] = range > 0f && float.IsFinite(range) ? 1f / range : 0f;
            if (!float.IsFinite(minimum[f]))
            {
                minimum[f] = 0f;
            }
        }

        return new FeatureScaling(minimum, scale, false);
    }

    /// <summary>Maps row-major <paramref name="inputs"/> into <paramref name="outputs"/> (same length; may be the same span).</summary>
    public void Apply(ReadOnlySpan<float> inputs, Span<float> outputs)
    {
        if (inputs.Length % FeatureCount != 0 || outputs.Length < inputs.Length)
        {
            throw new ArgumentException($"Inputs must be whole rows of {FeatureCount} features with room for the output.", nameof(inputs));
        }

        if (IsIdentity)
        {
            inputs.CopyTo(outputs);
            return;
        }

        for (var i = 0; i < inputs.Length; i++)
        {
            var f = i % FeatureCount;
            var value = (inputs[i] - _minimum[f]) * _scale[f];
            // NaN fails both comparisons and becomes 0, like a value at the seed's minimum.
            outputs[i] = value >= 0f ? Math.Min(value, 1f) : 0f;
        }
    }

    /// <summary>A scaled copy of <paramref name="data"/> (the same instance for the identity).</summary>
    public Dataset Apply(Dataset data)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (data.FeatureCount != FeatureCount)
        {
            throw new ArgumentException($"Data has {data.FeatureCount} features; the scaling was fitted on {FeatureCount}.", nameof(data));
        }

        if (IsIdentity)
        {
            return data;
        }

        var features = new float[data.Features.Length];
        Apply(data.Features, features);
        return new Dataset(features, data.Labels, data.FeatureCount, data.ClassCount);
    }
}
