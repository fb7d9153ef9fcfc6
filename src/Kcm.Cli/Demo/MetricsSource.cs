namespace Kcm.Cli.Demo;

/// <summary>
/// The /metrics pages the demo reads, as one text: the embedded silo's, or in cluster mode every front's and
/// distiller's (counters such as teacher records queued live on fronts, records consumed and rounds on distillers, so
/// summing over the pages gives the cluster's totals).
/// </summary>
internal sealed class MetricsSource(HttpClient http, IReadOnlyList<Uri> addresses)
{
    public async Task<string> ReadAsync(CancellationToken cancellationToken)
    {
        if (addresses.Count == 1)
        {
            return await http.GetStringAsync(addresses[0], cancellationToken).ConfigureAwait(false);
        }

        var pages = await Task.WhenAll(addresses.Select(a => ReadOrEmptyAsync(a, cancellationToken))).ConfigureAwait(false);
        return string.Join('\n', pages);
    }

    /// <summary>A silo that stopped (a killed standby, say) counts as no samples rather than failing the demo.</summary>
    private async Task<string> ReadOrEmptyAsync(Uri address, CancellationToken cancellationToken)
    {
        try
        {
            return await http.GetStringAsync(address, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException)
        {
            return string.Empty;
        }
    }
}
