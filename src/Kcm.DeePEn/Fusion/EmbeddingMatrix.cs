using Kcm.Core.Weights;

namespace Kcm.DeePEn.Fusion;

/// <summary>A model's input embedding matrix E (|V| rows of width d, row-major float32).</summary>
public sealed class EmbeddingMatrix
{
    public EmbeddingMatrix(float[] values, int rows, int columns)
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rows);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(columns);
        if ((long)rows * columns != values.Length)
        {
            throw new ArgumentException($"{values.Length} values do not make a {rows} x {columns} matrix.", nameof(values));
        }

        Values = values;
        Rows = rows;
        Columns = columns;
    }

    /// <summary>Row-major values; row v is token v's embedding.</summary>
    public float[] Values { get; }

    public int Rows { get; }

    public int Columns { get; }

    public ReadOnlySpan<float> Row(int row) => Values.AsSpan(row * Columns, Columns);

    /// <summary>Reads a 2-D tensor (F32, F16, BF16 or F64) from a safetensors file beside the model.</summary>
    public static EmbeddingMatrix ReadSafetensors(string path, string tensorName)
    {
        using var file = SafetensorsFile.Open(path);
        var entry = file.Tensor(tensorName);
        if (entry.Shape.Length != 2)
        {
            throw new SafetensorsFormatException(path, $"tensor '{tensorName}' has shape [{string.Join(", ", entry.Shape)}], not [vocabulary, width].");
        }

        return new EmbeddingMatrix(file.ReadFloat32(tensorName), checked((int)entry.Shape[0]), checked((int)entry.Shape[1]));
    }
}
