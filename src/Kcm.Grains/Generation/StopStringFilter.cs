namespace Kcm.Grains.Generation;

/// <summary>
/// Cuts generated text at the first stop string. Text arrives in per-token pieces and a stop string may span several,
/// so the longest tail that could still grow into a stop string is held back until the next piece decides it; the
/// released pieces therefore never contain any part of a stop string that ends the text.
/// </summary>
public sealed class StopStringFilter
{
    private readonly IReadOnlyList<string> _stops;
    private string _text = string.Empty;
    private int _released;

    public StopStringFilter(IReadOnlyList<string>? stops)
    {
        _stops = stops ?? [];
        foreach (var stop in _stops)
        {
            ArgumentException.ThrowIfNullOrEmpty(stop, nameof(stops));
        }
    }

    /// <summary>Everything released so far (the output's text).</summary>
    public string Released => _text[.._released];

    /// <summary>Whether a stop string has appeared (nothing more is released then).</summary>
    public bool Stopped { get; private set; }

    /// <summary>
    /// Adds <paramref name="piece"/> and returns the text it releases. <paramref name="final"/> releases whatever is held
    /// back (no more text follows). After a stop string appears the text before it is released and <see cref="Stopped"/> is set.
    /// </summary>
    public string Append(string piece, bool final)
    {
        ArgumentNullException.ThrowIfNull(piece);
        if (Stopped)
        {
            return string.Empty;
        }

        _text += piece;
        if (_stops.Count == 0)
        {
            return Release(_text.Length);
        }

        // A stop string can only begin in the unreleased text: any tail that could begin one was held back.
        var from = _released;
        var stopAt = -1;
        foreach (var stop in _stops)
        {
            var at = _text.IndexOf(stop, from, StringComparison.Ordinal);
            if (at >= 0 && (stopAt < 0 || at < stopAt))
            {
                stopAt = at;
            }
        }

        if (stopAt >= 0)
        {
            Stopped = true;
            return Release(stopAt);
        }

        return Release(final ? _text.Length : _text.Length - HeldBack());
    }

    /// <summary>The longest tail of the unreleased text that is a proper beginning of some stop string.</summary>
    private int HeldBack()
    {
        var unreleased = _text.Length - _released;
        var held = 0;
        foreach (var stop in _stops)
        {
            for (var length = Math.Min(stop.Length - 1, unreleased); length > held; length--)
            {
                if (string.CompareOrdinal(_text, _text.Length - length, stop, 0, length) == 0)
                {
                    held = length;
                    break;
                }
            }
        }

        return held;
    }

    private string Release(int end)
    {
        if (end <= _released)
        {
            return string.Empty;
        }

        var piece = _text[_released..end];
        _released = end;
        return piece;
    }
}
