namespace Kcm.Models;

/// <summary>
/// How many holders a shared thing has (an ONNX session, a serving model, a serving snapshot), starting at one. The
/// last <see cref="Release"/> tells its owner to dispose it, and after that nothing can hold it again.
/// </summary>
public sealed class HolderCount
{
    private int _holders = 1;

    /// <summary>One more holder, unless the last one already let go.</summary>
    public bool TryAdd()
    {
        var holders = Volatile.Read(ref _holders);
        while (holders > 0)
        {
            var seen = Interlocked.CompareExchange(ref _holders, holders + 1, holders);
            if (seen == holders)
            {
                return true;
            }

            holders = seen;
        }

        return false;
    }

    /// <summary>One more holder.</summary>
    /// <exception cref="ObjectDisposedException">The last holder already let go of <paramref name="what"/>.</exception>
    public void Add(string what)
    {
        if (!TryAdd())
        {
            throw new ObjectDisposedException(what, $"{what} was shared after its last holder released it.");
        }
    }

    /// <summary>A holder lets go; true for the last one (its owner disposes the thing).</summary>
    public bool Release() => Interlocked.Decrement(ref _holders) == 0;
}
