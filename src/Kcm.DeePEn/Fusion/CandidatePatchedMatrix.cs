using System.Numerics.Tensors;

namespace Kcm.DeePEn.Fusion;

/// <summary>
/// The main model's approximate (sparse) R with the rows of the tokens that can still win one search replaced by
/// their exact rows. AdamW moves each logit by about the learning rate per step whatever the gradient's size, so a
/// near-tie between two top tokens is decided by the sign of their gradients, and a sparse row flips that sign on
/// about 2 % of steps; only tokens within reach of the top (2 T lr) can become the argmax, usually a handful, and
/// their exact rows cost a few dot products with the anchors' embeddings. Rows are stored as the difference
/// exact - approximate, so projections and R g are the approximate matrix's plus a few corrections. The rows of recent
/// searches are kept (a few times the cap, least recently used out), since a stream's leading tokens recur from step
/// to step. One object per stream (it owns its buffers); not thread-safe.
/// </summary>
internal sealed class CandidatePatchedMatrix : IRelativeMatrix
{
    private readonly IRelativeMatrix _approximate;
    private readonly EmbeddingRelativeRows _exact;
    private readonly TopEntries _top;
    private readonly int[] _tokens;
    private readonly int[] _slots;
    private readonly float[] _differences;
    private readonly int[] _slotTokens;
    private readonly long[] _slotLastUsed;
    private readonly Dictionary<int, int> _slotOfToken;
    private readonly float[] _approximateRow;
    private long _patches;
    private int _count;

    /// <param name="approximate">The main model's sparse R.</param>
    /// <param name="exact">Its exact rows.</param>
    /// <param name="capacity">Most rows made exact in one search.</param>
    /// <param name="keptRows">Exact rows kept across searches (at least <paramref name="capacity"/>).</param>
    public CandidatePatchedMatrix(IRelativeMatrix approximate, EmbeddingRelativeRows exact, int capacity, int keptRows)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(keptRows, capacity);
        if (approximate.VocabularySize != exact.VocabularySize || approximate.AnchorCount != exact.AnchorCount)
        {
            throw new ArgumentException(
                $"The exact rows ({exact.VocabularySize} x {exact.AnchorCount}) are not of the main model's R ({approximate.VocabularySize} x {approximate.AnchorCount}).",
                nameof(exact));
        }

        _approximate = approximate;
        _exact = exact;
        _top = new TopEntries(capacity);
        _tokens = new int[capacity];
        _slots = new int[capacity];
        _differences = new float[keptRows * approximate.AnchorCount];
        _slotTokens = new int[keptRows];
        Array.Fill(_slotTokens, -1);
        _slotLastUsed = new long[keptRows];
        _slotOfToken = new Dictionary<int, int>(keptRows);
        _approximateRow = new float[approximate.AnchorCount];
    }

    /// <summary>Tokens whose rows are exact for the current search.</summary>
    public int Count => _count;

    /// <summary>Exact rows computed so far (the others came from the rows kept from earlier searches).</summary>
    public long RowsComputed { get; private set; }

    public int VocabularySize => _approximate.VocabularySize;

    public int AnchorCount => _approximate.AnchorCount;

    public long Bytes => _approximate.Bytes;

    /// <summary>Makes exact the rows of the (at most capacity) highest logits within <paramref name="reach"/> of the maximum.</summary>
    public void PatchFromLogits(ReadOnlySpan<float> logits, float reach) => Patch(logits, TensorPrimitives.Max(logits) - reach);

    /// <summary>
    /// As <see cref="PatchFromLogits"/> from the softmax of those logits: the same tokens, as a logit within reach of
    /// the top is a probability within a factor e^reach of the top.
    /// </summary>
    public void PatchFromProbabilities(ReadOnlySpan<float> probabilities, float reach) => Patch(probabilities, TensorPrimitives.Max(probabilities) * MathF.Exp(-reach));

    private void Patch(ReadOnlySpan<float> scores, float floor)
    {
        _count = 0;
        _patches++;
        foreach (var token in _top.Select(scores))
        {
            if (scores[token] < floor)
            {
                continue;
            }

            if (!_slotOfToken.TryGetValue(token, out var slot))
            {
                slot = LeastRecentlyUsedSlot();
                if (_slotTokens[slot] >= 0)
                {
                    _slotOfToken.Remove(_slotTokens[slot]);
                }

                var difference = Row(slot);
                _exact.FillRow(token, difference);
                _approximateRow.AsSpan().Clear();
                _approximate.AccumulateRow(token, 1f, _approximateRow);
                TensorPrimitives.Subtract(difference, _approximateRow, difference);
                // Flushed like the sparse matrix's own excesses (SparseRelativeRepresentation.NegligibleValue).
                SparseRelativeRepresentation.FlushNegligible(difference);
                _slotTokens[slot] = token;
                _slotOfToken[token] = slot;
                RowsComputed++;
            }

            _slotLastUsed[slot] = _patches;
            _tokens[_count] = token;
            _slots[_count++] = slot;
        }
    }

    // An empty slot, else the one used longest ago; never one this search already uses (at least one is free, as
    // more rows are kept than a search makes exact).
    private int LeastRecentlyUsedSlot()
    {
        var oldest = 0;
        for (var slot = 0; slot < _slotLastUsed.Length; slot++)
        {
            if (_slotTokens[slot] < 0)
            {
                return slot;
            }

            if (_slotLastUsed[slot] < _slotLastUsed[oldest])
            {
                oldest = slot;
            }
        }

        return oldest;
    }

    public void AccumulateRow(int token, float scale, Span<float> target)
    {
        _approximate.AccumulateRow(token, scale, target);
        var slot = _tokens.AsSpan(0, _count).IndexOf(token);
        if (slot >= 0)
        {
            TensorPrimitives.MultiplyAdd(Difference(slot), scale, target, target);
        }
    }

    public void AccumulateProjection(ReadOnlySpan<float> distribution, float weight, Span<float> target)
    {
        _approximate.AccumulateProjection(distribution, weight, target);
        for (var c = 0; c < _count; c++)
        {
            var p = distribution[_tokens[c]];
            if (p != 0f)
            {
                TensorPrimitives.MultiplyAdd(Difference(c), weight * p, target, target);
            }
        }
    }

    public void Project(ReadOnlySpan<float> distribution, Span<float> relative)
    {
        relative.Clear();
        AccumulateProjection(distribution, 1f, relative);
    }

    public void MultiplyTransposed(ReadOnlySpan<float> anchorVector, Span<float> result)
    {
        _approximate.MultiplyTransposed(anchorVector, result);
        for (var c = 0; c < _count; c++)
        {
            result[_tokens[c]] += TensorPrimitives.Dot(Difference(c), anchorVector);
        }
    }

    // The exact - approximate row of the current search's c-th token.
    private Span<float> Difference(int candidate) => Row(_slots[candidate]);

    private Span<float> Row(int slot) => _differences.AsSpan(slot * AnchorCount, AnchorCount);
}
