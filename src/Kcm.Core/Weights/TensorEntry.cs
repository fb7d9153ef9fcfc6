using System.Collections.Immutable;

namespace Kcm.Core.Weights;

/// <summary>
/// One tensor as the header describes it: its element type, shape, and byte range [Begin, End) inside the data
/// section (which starts right after the header).
/// </summary>
public sealed record TensorEntry(string Name, TensorDType DType, ImmutableArray<long> Shape, long Begin, long End)
{
    /// <summary>Number of elements (1 for a scalar of shape []).</summary>
    public long ElementCount
    {
        get
        {
            long count = 1;
            foreach (var size in Shape)
            {
                count = checked(count * size);
            }

            return count;
        }
    }

    public long ByteLength => End - Begin;

    /// <summary>The shape as ints, for float32 model tensors (throws <see cref="OverflowException"/> past int range).</summary>
    public int[] IntShape()
    {
        var shape = new int[Shape.Length];
        for (var i = 0; i < shape.Length; i++)
        {
            shape[i] = checked((int)Shape[i]);
        }

        return shape;
    }
}
