namespace Kcm.Core.Data;

/// <summary>
/// A labelled data set held as one row-major float32 feature matrix (<see cref="Count"/> x <see cref="FeatureCount"/>)
/// and one label per row. Labels are class indices in [0, <see cref="ClassCount"/>).
/// </summary>
public sealed class Dataset
{
    public Dataset(float[] features, int[] labels, int featureCount, int classCount)
    {
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentOutOfRangeException.ThrowIfLessThan(featureCount, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(classCount, 1);
        if (features.Length != labels.Length * featureCount)
        {
            throw new ArgumentException(
                $"Feature matrix has {features.Length} values, expected {labels.Length} rows x {featureCount} features.", nameof(features));
        }

        Features = features;
        Labels = labels;
        FeatureCount = featureCount;
        ClassCount = classCount;
    }

    /// <summary>Row-major features; row i is <c>Features[(i*FeatureCount)..((i+1)*FeatureCount)]</c>.</summary>
    public float[] Features { get; }

    public int[] Labels { get; }

    public int FeatureCount { get; }

    public int ClassCount { get; }

    public int Count => Labels.Length;

    /// <summary>The features of one row.</summary>
    public ReadOnlySpan<float> Row(int index) => Features.AsSpan(index * FeatureCount, FeatureCount);

    /// <summary>A copy of rows [start, start+count).</summary>
    public Dataset Slice(int start, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(start);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(start + count, Count);
        return new Dataset(
            Features.AsSpan(start * FeatureCount, count * FeatureCount).ToArray(),
            Labels.AsSpan(start, count).ToArray(),
            FeatureCount,
            ClassCount);
    }
}
