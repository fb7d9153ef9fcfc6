namespace Kcm.DeePEn.Models;

/// <summary>
/// One sequence's attention key/value cache for a <see cref="CausalLanguageModel"/>: per layer a key and a value
/// tensor of shape [1, heads, Length, headDimension], as the model's present.N.key/value outputs gave them.
/// </summary>
public sealed class KeyValueCache
{
    private readonly float[][] _keys;
    private readonly float[][] _values;

    internal KeyValueCache(int layers, int heads, int headDimension)
    {
        Layers = layers;
        Heads = heads;
        HeadDimension = headDimension;
        _keys = new float[layers][];
        _values = new float[layers][];
        for (var layer = 0; layer < layers; layer++)
        {
            _keys[layer] = [];
            _values[layer] = [];
        }
    }

    public int Layers { get; }

    public int Heads { get; }

    public int HeadDimension { get; }

    /// <summary>Tokens the cache holds (the past sequence length).</summary>
    public int Length { get; private set; }

    internal float[] Keys(int layer) => _keys[layer];

    internal float[] Values(int layer) => _values[layer];

    internal void Replace(int layer, float[] keys, float[] values, int length)
    {
        var expected = (long)Heads * length * HeadDimension;
        if (keys.Length != expected || values.Length != expected)
        {
            throw new InvalidOperationException($"Layer {layer}'s present tensors hold {keys.Length} and {values.Length} values, expected {expected} for [1, {Heads}, {length}, {HeadDimension}].");
        }

        _keys[layer] = keys;
        _values[layer] = values;
        Length = length;
    }

    /// <summary>Keeps only the first <paramref name="length"/> tokens (rolls the sequence back).</summary>
    public void Truncate(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, Length);
        if (length == Length)
        {
            return;
        }

        for (var layer = 0; layer < Layers; layer++)
        {
            _keys[layer] = Cut(_keys[layer], length);
            _values[layer] = Cut(_values[layer], length);
        }

        Length = length;
    }

    /// <summary>Empties the cache.</summary>
    public void Clear() => Truncate(0);

    private float[] Cut(float[] tensor, int length)
    {
        var cut = new float[Heads * length * HeadDimension];
        var rowLength = length * HeadDimension;
        for (var head = 0; head < Heads; head++)
        {
            tensor.AsSpan(head * Length * HeadDimension, rowLength).CopyTo(cut.AsSpan(head * rowLength, rowLength));
        }

        return cut;
    }
}
