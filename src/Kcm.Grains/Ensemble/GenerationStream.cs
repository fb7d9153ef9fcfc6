using System.Threading.Channels;
using Kcm.Contracts;

namespace Kcm.Grains.Ensemble;

/// <summary>
/// A started generation: its events as they are decoded (token events, then one done event). Reading fails with
/// <see cref="GenerationFailedException"/> when decoding fails midway. Disposing stops the decoding and waits for it.
/// </summary>
public sealed class GenerationStream : IAsyncDisposable
{
    private readonly ChannelReader<GenerationEvent> _events;
    private readonly CancellationTokenSource _stop;
    private Task _decoding = Task.CompletedTask;

    internal GenerationStream(ChannelReader<GenerationEvent> events, CancellationTokenSource stop)
    {
        _events = events;
        _stop = stop;
    }

    /// <summary>The events in order; ends after the done event.</summary>
    public IAsyncEnumerable<GenerationEvent> ReadAllAsync(CancellationToken cancellationToken = default) => _events.ReadAllAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _decoding.ConfigureAwait(false);
        _stop.Dispose();
    }

    internal void Decoding(Task decoding) => _decoding = decoding;
}
