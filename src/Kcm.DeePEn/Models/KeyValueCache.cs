namespace Kcm.DeePEn.Models;

/// <summary>
/// One sequence's attention key/value cache for a <see cref="CausalLanguageModel"/>: per layer a key and a value
/// tensor of shape [1, heads, Length, headDimension]. Each tensor has two buffers: the model reads the past from the
/// current one and ONNX Runtime writes the present straight into the spare one (bound as the output), and a successful
/// step swaps them, so no step copies the cache and a failed step leaves it as it was.
/// </summary>
public sealed class KeyValueCache
{
    private readonly float[][] _keys;
    private readonly float[][] _values;
    private readonly float[][] _spareKeys;
    private readonly float[][] _spareValues;

    internal KeyValueCache(int layers, int heads, int headDimension)
    {
        Layers = layers;
        Heads = heads;
        HeadDimension = headDimension;
        _keys = Empty(layers);
        _values = Empty(layers);
        _spareKeys = Empty(layers);
        _spareValues = Empty(layers);
    }

    public int Layers { get; }

    public int Heads { get; }

    public int HeadDimension { get; }

    /// <summary>Tokens the cache holds (the past sequence length).</summary>
    public int Length { get; private set; }

    /// <summary>Layer <paramref name="layer"/>'s keys [1, heads, Length, headDim] as the model reads them.</summary>
    internal Memory<float> Keys(int layer) => _keys[layer].AsMemory(0, Size(Length));

    internal Memory<float> Values(int layer) => _values[layer].AsMemory(0, Size(Length));

    /// <summary>Where the next step's keys [1, heads, <paramref name="length"/>, headDim] go; current only after <see cref="Advance"/>.</summary>
    internal Memory<float> NextKeys(int layer, int length) => Spare(_spareKeys, layer, length);

    internal Memory<float> NextValues(int layer, int length) => Spare(_spareValues, layer, length);

    /// <summary>Makes what was written to the Next buffers of every layer the cache, now <paramref name="length"/> tokens long.</summary>
    internal void Advance(int length)
    {
        for (var layer = 0; layer < Layers; layer++)
        {
            if (_spareKeys[layer].Length < Size(length) || _spareValues[layer].Length < Size(length))
            {
                throw new InvalidOperationException($"Layer {layer}'s next tensors were not made for {length} tokens.");
            }

            (_keys[layer], _spareKeys[layer]) = (_spareKeys[layer], _keys[layer]);
            (_values[layer], _spareValues[layer]) = (_spareValues[layer], _values[layer]);
        }

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
            Cut(_keys[layer], length);
            Cut(_values[layer], length);
        }

        Length = length;
    }

    /// <summary>Empties the cache.</summary>
    public void Clear() => Truncate(0);

    private static float[][] Empty(int layers)
    {
        var buffers = new float[layers][];
        Array.Fill(buffers, []);
        return buffers;
    }

    private int Size(int length) => Heads * length * HeadDimension;

    private Memory<float> Spare(float[][] buffers, int layer, int length)
    {
        var size = Size(length);
        if (buffers[layer].Length < size)
        {
            // Grown geometrically, so decoding token by token reallocates a logarithmic number of times.
            buffers[layer] = new float[Math.Max(size, 2 * buffers[layer].Length)];
        }

        return buffers[layer].AsMemory(0, size);
    }

    // Head h moves from h * Length * headDim to h * length * headDim: never forward, so in place, head by head.
    private void Cut(float[] tensor, int length)
    {
        var rowLength = length * HeadDimension;
        for (var head = 1; head < Heads; head++)
        {
            tensor.AsSpan(head * Length * HeadDimension, rowLength).CopyTo(tensor.AsSpan(head * rowLength, rowLength));
        }
    }
}
