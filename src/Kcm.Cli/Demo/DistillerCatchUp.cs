using System.Diagnostics;

namespace Kcm.Cli.Demo;

/// <summary>
/// Waits between traffic waves until the distiller has used the teacher records the wave produced (queued = consumed,
/// give or take fewer than a timed round's minimum), so the next wave meets the models distilled from the previous
/// one. Traffic on two cores outruns training; a real service's traffic is spread over hours.
/// </summary>
internal sealed class DistillerCatchUp(IDemoTarget target, int minRecords, TimeSpan limit)
{
    public async Task<TimeSpan> WaitAsync(CancellationToken cancellationToken)
    {
        var stopwatch = Stopwatch.StartNew();
        while (stopwatch.Elapsed < limit)
        {
            var now = await target.ReadDistillationAsync(cancellationToken).ConfigureAwait(false);
            if (now.RecordsOwed < minRecords)
            {
                return stopwatch.Elapsed;
            }

            await Task.Delay(200, cancellationToken).ConfigureAwait(false);
        }

        return stopwatch.Elapsed;
    }
}
