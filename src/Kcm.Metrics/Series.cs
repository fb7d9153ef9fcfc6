using System.Text;

namespace Kcm.Metrics;

/// <summary>One time series of a metric: a tag set and its aggregated value.</summary>
internal abstract class Series
{
    protected Series(KeyValuePair<string, object?>[] tags)
    {
        Tags = tags;
        LabelText = TagSet.RenderLabels(tags);
        LabelBytes = Encoding.UTF8.GetBytes(LabelText);
    }

    /// <summary>The tags as first seen, for matching later measurements.</summary>
    public KeyValuePair<string, object?>[] Tags { get; }

    /// <summary>Rendered labels without braces (e.g. <c>route="small"</c>); also the sort key.</summary>
    public string LabelText { get; }

    /// <summary><see cref="LabelText"/> in UTF-8, rendered once.</summary>
    public byte[] LabelBytes { get; }
}
