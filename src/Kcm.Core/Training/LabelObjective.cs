using Kcm.Core.Data;
using Kcm.Core.Numerics;

namespace Kcm.Core.Training;

/// <summary>Cross-entropy on the labels of (a subset of rows of) a data set.</summary>
public sealed class LabelObjective : ITrainingObjective
{
    private readonly Dataset _data;
    private readonly int[] _rows;

    /// <summary>The objective over <paramref name="rows"/> of <paramref name="data"/> (all rows when null).</summary>
    public LabelObjective(Dataset data, int[]? rows = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        _data = data;
        _rows = rows ?? Enumerable.Range(0, data.Count).ToArray();
    }

    public int SampleCount => _rows.Length;

    public ReadOnlySpan<float> Features(int sample) => _data.Row(_rows[sample]);

    public float Loss(int sample, ReadOnlySpan<float> logits, Span<float> logitGradient) =>
        LossFunctions.CrossEntropy(logits, _data.Labels[_rows[sample]], logitGradient);
}
