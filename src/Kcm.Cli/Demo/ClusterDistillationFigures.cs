using Kcm.Client;
using Kcm.Contracts;

namespace Kcm.Cli.Demo;

/// <summary>
/// A cluster's figures through the client SDK: every front's and distiller's own counts added up (records are queued on
/// fronts, used by distillers' rounds).
/// </summary>
internal sealed class ClusterDistillationFigures : IDistillationFigures, IDisposable
{
    private static readonly KcmClientOptions Options = new()
    {
        // A silo that stopped (a killed standby, say) is skipped at once rather than retried.
        MaxRetries = 0,
        AttemptTimeout = TimeSpan.FromSeconds(5),
        OverallTimeout = TimeSpan.FromSeconds(5),
    };

    private readonly KcmClient[] _silos;

    public ClusterDistillationFigures(IEnumerable<Uri> silos)
    {
        _silos = [.. silos.Select(address => new KcmClient(address, Options))];
    }

    public async Task<DistillationInfo> ReadAsync(CancellationToken cancellationToken)
    {
        var each = await Task.WhenAll(_silos.Select(s => ReadOrNoneAsync(s, cancellationToken))).ConfigureAwait(false);
        return new DistillationInfo(
            Options.Model,
            each.Sum(i => i?.RoundsAccepted ?? 0),
            each.Sum(i => i?.RoundsRejected ?? 0),
            each.Sum(i => i?.RoundsFailed ?? 0),
            each.Sum(i => i?.RoundsEmpty ?? 0),
            each.Sum(i => i?.TeacherRecordsQueued ?? 0),
            each.Sum(i => i?.TeacherRecordsConsumed ?? 0));
    }

    public void Dispose()
    {
        foreach (var silo in _silos)
        {
            silo.Dispose();
        }
    }

    /// <summary>A silo that cannot be reached or does not answer in time counts as no figures rather than failing the demo.</summary>
    private static async Task<DistillationInfo?> ReadOrNoneAsync(KcmClient silo, CancellationToken cancellationToken)
    {
        try
        {
            return await silo.GetDistillationAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (KcmException e) when (e is KcmTransportException or KcmTimeoutException)
        {
            return null;
        }
    }
}
