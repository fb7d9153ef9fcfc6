namespace Kcm.Client;

/// <summary>
/// Tells in-flight idempotent calls that a gateway connection closed. Orleans fails a client's calls in flight through a
/// gateway that dies only when their response timeout ends (6 s by default), though the client sees the connection close
/// at once; this observer cancels the tries running at that moment, so they are retried (after the usual backoff, about
/// a second) through a live gateway. Tries started after the loss are not affected.
/// </summary>
internal sealed class GatewayLossSignal : IClusterConnectionStatusObserver
{
    private CancellationTokenSource _current = new();

    /// <summary>Cancelled when a gateway connection closes after this token was read.</summary>
    public CancellationToken Token => Volatile.Read(ref _current).Token;

    public void NotifyGatewayCountChanged(int currentNumberOfGateways, int previousNumberOfGateways, bool connectionRecovered)
    {
        if (currentNumberOfGateways < previousNumberOfGateways)
        {
            Raise();
        }
    }

    public void NotifyClusterConnectionLost() => Raise();

    /// <summary>Cancels the tries waiting now; later tries get a fresh token. The old source is not disposed: a try may still read it.</summary>
    public void Raise() => Interlocked.Exchange(ref _current, new CancellationTokenSource()).Cancel();
}
