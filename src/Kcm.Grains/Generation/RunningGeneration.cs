using System.Threading.Channels;
using Kcm.Abstractions.Generation;

namespace Kcm.Grains.Generation;

/// <summary>
/// A started generation: its steps as they are decoded on the thread pool (tokens, then one
/// <see cref="GenerationFinished"/>). Reading fails with <see cref="GenerationFailedException"/> when decoding fails
/// midway or the silo stops it. Disposing stops the decoding and waits for it (its slot is then free).
/// </summary>
public sealed class RunningGeneration : IAsyncDisposable
{
    private readonly ChannelReader<GenerationStep> _steps;
    private readonly CancellationTokenSource _stop;
    private readonly Task _decoding;

    internal RunningGeneration(ChannelReader<GenerationStep> steps, CancellationTokenSource stop, Task decoding)
    {
        _steps = steps;
        _stop = stop;
        _decoding = decoding;
    }

    /// <summary>The steps in order; ends after the <see cref="GenerationFinished"/>.</summary>
    public IAsyncEnumerable<GenerationStep> ReadAllAsync(CancellationToken cancellationToken = default) => _steps.ReadAllAsync(cancellationToken);

    /// <summary>Stops the decoding (a no-op once it finished) and waits until it has let go of its slot.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _decoding.ConfigureAwait(false);
        _stop.Dispose();
    }
}
