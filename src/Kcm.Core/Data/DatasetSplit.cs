namespace Kcm.Core.Data;

/// <summary>
/// Ways to split a labelled data set into disjoint parts that keep every class in proportion.
/// </summary>
public static class DatasetSplit
{
    /// <summary>
    /// Holds out about <paramref name="fraction"/> of each class without randomness, so any tool can repeat it: the
    /// rows of a class are ranked 0, 1, 2, ... in file order and rank r is held out when
    /// floor((r + 1) * fraction) &gt; floor(r * fraction) (in double precision; fraction 0.2 holds out ranks 4, 9, 14, ...).
    /// Both parts keep file order.
    /// </summary>
    public static (Dataset Kept, Dataset HeldOut) HoldOut(Dataset data, double fraction)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (!(fraction > 0.0 && fraction < 1.0))
        {
            throw new ArgumentOutOfRangeException(nameof(fraction), fraction, "The held-out fraction must be in (0, 1).");
        }

        var ranks = new int[data.ClassCount];
        var rest = new List<int>();
        var held = new List<int>();
        for (var i = 0; i < data.Count; i++)
        {
            var r = ranks[data.Labels[i]]++;
            (Math.Floor((r + 1) * fraction) > Math.Floor(r * fraction) ? held : rest).Add(i);
        }

        return (Gather(data, rest), Gather(data, held));
    }

    /// <summary>
    /// The rows in a seeded stratified order: each class's rows are shuffled, then the classes are interleaved by
    /// (rank in class + a uniform jitter) / class size, so every prefix holds each class in about its overall proportion.
    /// Slicing this order into consecutive parts gives disjoint, stratified splits.
    /// </summary>
    public static Dataset StratifiedShuffle(Dataset data, int seed)
    {
        ArgumentNullException.ThrowIfNull(data);
        var random = new Random(seed);
        var byClass = new List<int>[data.ClassCount];
        for (var c = 0; c < byClass.Length; c++)
        {
            byClass[c] = [];
        }

        for (var i = 0; i < data.Count; i++)
        {
            byClass[data.Labels[i]].Add(i);
        }

        var keys = new double[data.Count];
        var order = new int[data.Count];
        var n = 0;
        foreach (var rows in byClass)
        {
            var shuffled = rows.ToArray();
            random.Shuffle(shuffled);
            for (var k = 0; k < shuffled.Length; k++)
            {
                keys[n] = (k + random.NextDouble()) / shuffled.Length;
                order[n] = shuffled[k];
                n++;
            }
        }

        Array.Sort(keys, order);
        return Gather(data, order);
    }

    /// <summary>The given rows, in the given order, as a new data set.</summary>
    public static Dataset Gather(Dataset data, IReadOnlyList<int> rows)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(rows);
        var features = new float[rows.Count * data.FeatureCount];
        var labels = new int[rows.Count];
        for (var i = 0; i < rows.Count; i++)
        {
            data.Row(rows[i]).CopyTo(features.AsSpan(i * data.FeatureCount, data.FeatureCount));
            labels[i] = data.Labels[rows[i]];
        }

        return new Dataset(features, labels, data.FeatureCount, data.ClassCount);
    }
}
