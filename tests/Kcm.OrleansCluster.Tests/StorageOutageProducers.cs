using Kcm.OrleansCluster.Tests.Support;

namespace Kcm.OrleansCluster.Tests;

/// <summary>
/// The teacher-record books of the gpu silos' producers at one moment, summed over the silos (each read from one
/// scrape of its <c>/metrics</c>): records accepted, sent to the Azure queue, still buffered, and refused by reason.
/// </summary>
public sealed record StorageOutageProducers(double Accepted, double Sent, double Buffered, double RefusedFull, double RefusedOther, double UnsentAtStop, double SendErrors)
{
    /// <summary>Records offered by the large model's grains: accepted or refused (unsent-at-stop ones were accepted first).</summary>
    public double Produced => Accepted + RefusedFull + RefusedOther;

    public static async Task<StorageOutageProducers> ReadAsync(IEnumerable<SiloProcess> producers)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var texts = await Task.WhenAll(producers.Select(p => http.GetStringAsync(new Uri(p.Url, "/metrics"))));
        double Sum(string name) => texts.Sum(t => PrometheusText.Sum(t, name));
        double Dropped(string reason) => texts.Sum(t => t.Split('\n')
            .Where(l => l.StartsWith("kcm_teacher_records_dropped_total{", StringComparison.Ordinal) && l.Contains($"reason=\"{reason}\"", StringComparison.Ordinal))
            .Sum(l => double.Parse(l[(l.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture)));
        var all = Sum("kcm_teacher_records_dropped_total");
        var full = Dropped("full");
        var unsent = Dropped("unsent-at-stop");
        var errors = texts.Sum(t => t.Split('\n')
            .Where(l => l.StartsWith("kcm_teacher_queue_errors_total{", StringComparison.Ordinal) && l.Contains("operation=\"send\"", StringComparison.Ordinal))
            .Sum(l => double.Parse(l[(l.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture)));
        return new StorageOutageProducers(
            Sum("kcm_teacher_records_queued_total"), Sum("kcm_teacher_records_sent_total"), Sum("kcm_teacher_queue_buffered"),
            full, all - full - unsent, unsent, errors);
    }

    public static StorageOutageProducers operator -(StorageOutageProducers a, StorageOutageProducers b) => new(
        a.Accepted - b.Accepted, a.Sent - b.Sent, a.Buffered - b.Buffered, a.RefusedFull - b.RefusedFull, a.RefusedOther - b.RefusedOther,
        a.UnsentAtStop - b.UnsentAtStop, a.SendErrors - b.SendErrors);
}
