namespace Kcm.Core.Training;

/// <summary>Checks a named tensor against its expected shape while rebuilding a flat parameter array.</summary>
public static class TensorShapes
{
    /// <summary>Copies tensor <paramref name="name"/> into <paramref name="destination"/> after checking that it exists and has <paramref name="shape"/>.</summary>
    public static void CopyInto(
        IReadOnlyDictionary<string, (int[] Shape, float[] Data)> tensors, string name, ReadOnlySpan<int> shape, Span<float> destination)
    {
        if (!tensors.TryGetValue(name, out var tensor))
        {
            throw new ArgumentException($"Tensor '{name}' is missing.", nameof(tensors));
        }

        if (!tensor.Shape.AsSpan().SequenceEqual(shape))
        {
            throw new ArgumentException(
                $"Tensor '{name}' has shape [{string.Join(',', tensor.Shape)}], expected [{string.Join(',', shape.ToArray())}].", nameof(tensors));
        }

        if (tensor.Data.Length != destination.Length)
        {
            throw new ArgumentException($"Tensor '{name}' has {tensor.Data.Length} values, expected {destination.Length}.", nameof(tensors));
        }

        tensor.Data.CopyTo(destination);
    }
}
