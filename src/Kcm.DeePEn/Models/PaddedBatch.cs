namespace Kcm.DeePEn.Models;

/// <summary>
/// How B streams share one forward call: each stream's past (its cache) is left-padded to the longest past and its new
/// tokens are right-padded to the most new tokens, so every row is [pad | past | new | pad] of the same length. The
/// attention mask is 0 on the pads and position_ids are each row's true positions, so a real token sees exactly
/// what it would see alone; the pads' outputs are dropped when the present tensors are split back into the caches.
/// </summary>
internal sealed class PaddedBatch
{
    private readonly IReadOnlyList<ReadOnlyMemory<long>> _tokens;
    private readonly IReadOnlyList<KeyValueCache> _caches;

    // The pasts as they were when the batch was laid out: the caches grow while the outputs are split back.
    private readonly int[] _pasts;

    public PaddedBatch(IReadOnlyList<ReadOnlyMemory<long>> tokens, IReadOnlyList<KeyValueCache> caches)
    {
        _tokens = tokens;
        _caches = caches;
        _pasts = new int[tokens.Count];
        for (var b = 0; b < tokens.Count; b++)
        {
            _pasts[b] = caches[b].Length;
            MaxPast = Math.Max(MaxPast, _pasts[b]);
            MaxNew = Math.Max(MaxNew, tokens[b].Length);
        }
    }

    public int Streams => _tokens.Count;

    public int MaxPast { get; }

    public int MaxNew { get; }

    /// <summary>Keys per row: the longest past plus the most new tokens.</summary>
    public int Total => MaxPast + MaxNew;

    /// <summary>Whether every row has the same past and new lengths (no padding at all).</summary>
    public bool IsUniform
    {
        get
        {
            for (var b = 0; b < Streams; b++)
            {
                if (_pasts[b] != MaxPast || _tokens[b].Length != MaxNew)
                {
                    return false;
                }
            }

            return true;
        }
    }

    /// <summary>Whether every row has the same past length (new tokens may still differ).</summary>
    public bool HasUniformPast
    {
        get
        {
            for (var b = 0; b < Streams; b++)
            {
                if (_pasts[b] != MaxPast)
                {
                    return false;
                }
            }

            return true;
        }
    }

    /// <summary>Stream <paramref name="stream"/>'s true past length.</summary>
    public int Past(int stream) => _pasts[stream];

    /// <summary>Stream <paramref name="stream"/>'s new token count.</summary>
    public int New(int stream) => _tokens[stream].Length;

    /// <summary>input_ids [B, MaxNew]; pads repeat the row's last token (any id would do: the mask hides them).</summary>
    public long[] InputIds()
    {
        var ids = new long[Streams * MaxNew];
        for (var b = 0; b < Streams; b++)
        {
            var row = ids.AsSpan(b * MaxNew, MaxNew);
            var tokens = _tokens[b].Span;
            tokens.CopyTo(row);
            row[tokens.Length..].Fill(tokens[^1]);
        }

        return ids;
    }

    /// <summary>attention_mask [B, Total]: 1 on each row's past and new tokens, 0 on its pads.</summary>
    public long[] AttentionMask()
    {
        var mask = new long[Streams * Total];
        for (var b = 0; b < Streams; b++)
        {
            mask.AsSpan((b * Total) + MaxPast - Past(b), Past(b) + New(b)).Fill(1L);
        }

        return mask;
    }

    /// <summary>position_ids [B, MaxNew]: past + i for each new token; pads repeat the row's last position (a valid one).</summary>
    public long[] PositionIds()
    {
        var positions = new long[Streams * MaxNew];
        for (var b = 0; b < Streams; b++)
        {
            var past = Past(b);
            var count = New(b);
            for (var i = 0; i < MaxNew; i++)
            {
                positions[(b * MaxNew) + i] = past + Math.Min(i, count - 1);
            }
        }

        return positions;
    }

    /// <summary>Writes layer <paramref name="layer"/>'s past keys or values [B, heads, MaxPast, headDim], each row's pad zeroed.</summary>
    public void FillPast(int layer, bool keys, Span<float> destination, int heads, int headDimension)
    {
        var block = MaxPast * headDimension;
        for (var b = 0; b < Streams; b++)
        {
            var cache = _caches[b];
            var past = _pasts[b];
            var source = (keys ? cache.Keys(layer) : cache.Values(layer)).Span;
            for (var h = 0; h < heads; h++)
            {
                var row = destination.Slice(((b * heads) + h) * block, block);
                var pad = (MaxPast - past) * headDimension;
                row[..pad].Clear();
                source.Slice(h * past * headDimension, past * headDimension).CopyTo(row[pad..]);
            }
        }
    }

    /// <summary>
    /// Copies stream <paramref name="stream"/>'s part of a present tensor [B, heads, Total, headDim] (its past and new
    /// positions) into <paramref name="destination"/>, a [1, heads, past + new, headDim] tensor for its cache.
    /// </summary>
    public void CopyPresent(int stream, ReadOnlySpan<float> present, Span<float> destination, int heads, int headDimension)
    {
        var length = Past(stream) + New(stream);
        var start = MaxPast - Past(stream);
        for (var h = 0; h < heads; h++)
        {
            present.Slice(((((stream * heads) + h) * Total) + start) * headDimension, length * headDimension)
                .CopyTo(destination.Slice(h * length * headDimension));
        }
    }

    /// <summary>Stream <paramref name="stream"/>'s logits from [B, MaxNew, vocabulary]: every new position, or only its last.</summary>
    public float[] LogitsOf(int stream, ReadOnlySpan<float> logits, int vocabulary, bool lastPositionOnly)
    {
        var count = New(stream);
        var first = lastPositionOnly ? count - 1 : 0;
        return logits.Slice(((stream * MaxNew) + first) * vocabulary, (count - first) * vocabulary).ToArray();
    }
}
