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
        return new DistillationCounts(Count(text, "accepted"), Count(text, "rejected"), Count(text, "failed"), Count(text, "empty"));
    }

    public DistillationCounts Minus(DistillationCounts earlier) =>
        new(Accepted - earlier.Accepted, Rejected - earlier.Rejected, Failed - earlier.Failed, Empty - earlier.Empty);

    private static int Count(string text, string outcome) => (int)PrometheusText.Sum(text, Family, $"outcome=\"{outcome}\"");
}
