namespace Kcm.DeePEn.Fusion;

/// <summary>
/// Finds the indices of the k largest values of a vector with a size-k min-heap (O(n log k)), into a buffer it owns,
/// so selecting allocates nothing. Not thread-safe.
/// </summary>
public sealed class TopEntries
{
    private readonly int[] _heap;
    private readonly float[] _keys;

    public TopEntries(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _heap = new int[capacity];
        _keys = new float[capacity];
    }

    public int Capacity => _heap.Length;

    /// <summary>The indices of the min(k, n) largest values, in no particular order; valid until the next call.</summary>
    public ReadOnlySpan<int> Select(ReadOnlySpan<float> values)
    {
        var k = Math.Min(_heap.Length, values.Length);
        if (k == 0)
        {
            return ReadOnlySpan<int>.Empty;
        }

        for (var i = 0; i < k; i++)
        {
            _heap[i] = i;
            _keys[i] = values[i];
        }

        for (var i = (k / 2) - 1; i >= 0; i--)
        {
            SiftDown(i, k);
        }

        for (var i = k; i < values.Length; i++)
        {
            if (values[i] > _keys[0])
            {
                _heap[0] = i;
                _keys[0] = values[i];
                SiftDown(0, k);
            }
        }

        return _heap.AsSpan(0, k);
    }

    private void SiftDown(int node, int count)
    {
        while (true)
        {
            var smallest = node;
            var left = (2 * node) + 1;
            var right = left + 1;
            if (left < count && _keys[left] < _keys[smallest])
            {
                smallest = left;
            }

            if (right < count && _keys[right] < _keys[smallest])
            {
                smallest = right;
            }

            if (smallest == node)
            {
                return;
            }

            (_heap[node], _heap[smallest]) = (_heap[smallest], _heap[node]);
            (_keys[node], _keys[smallest]) = (_keys[smallest], _keys[node]);
            node = smallest;
        }
    }
}
