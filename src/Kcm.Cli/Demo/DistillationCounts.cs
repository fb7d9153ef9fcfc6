using System.Globalization;

namespace Kcm.Cli.Demo;

/// <summary>Distillation rounds by outcome, read from the silo's Prometheus text (<c>kcm_distillation_rounds_total</c>).</summary>
internal sealed record DistillationCounts(int Accepted, int Rejected, int Failed, int Empty)
{
    private const string Family = "kcm_distillation_rounds_total";

    public static DistillationCounts None { get; } = new(0, 0, 0, 0);

    public int Total => Accepted + Rejected + Failed + Empty;

    public static async Task<DistillationCounts> ReadAsync(MetricsSource metrics, CancellationToken cancellationToken)
    {
        var text = await metrics.ReadAsync(cancellationToken).ConfigureAwait(false);
        int accepted = 0, rejected = 0, failed = 0, empty = 0;
        foreach (var line in text.AsSpan().EnumerateLines())
        {
            if (!line.StartsWith(Family + "{", StringComparison.Ordinal))
            {
                continue;
            }

            var space = line.LastIndexOf(' ');
            if (space < 0 || !double.TryParse(line[(space + 1)..], NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
            {
                continue;
            }

            var labels = line[..space];
            var count = (int)value;
            if (labels.Contains("outcome=\"accepted\"", StringComparison.Ordinal)) accepted += count;
            else if (labels.Contains("outcome=\"rejected\"", StringComparison.Ordinal)) rejected += count;
            else if (labels.Contains("outcome=\"failed\"", StringComparison.Ordinal)) failed += count;
            else if (labels.Contains("outcome=\"empty\"", StringComparison.Ordinal)) empty += count;
        }

        return new DistillationCounts(accepted, rejected, failed, empty);
    }

    public DistillationCounts Minus(DistillationCounts earlier) =>
        new(Accepted - earlier.Accepted, Rejected - earlier.Rejected, Failed - earlier.Failed, Empty - earlier.Empty);
}
