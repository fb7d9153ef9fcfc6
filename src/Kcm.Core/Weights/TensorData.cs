using System.Buffers.Binary;
using System.Collections.Immutable;
using System.Runtime.InteropServices;

namespace Kcm.Core.Weights;

/// <summary>A tensor to write: its name, element type, shape and raw little-endian bytes.</summary>
public sealed record TensorData(string Name, TensorDType DType, ImmutableArray<long> Shape, ReadOnlyMemory<byte> Bytes)
{
    /// <summary>A float32 tensor (row-major values).</summary>
    public static TensorData FromFloat32(string name, ReadOnlySpan<int> shape, ReadOnlySpan<float> values)
    {
        var bytes = new byte[values.Length * sizeof(float)];
        if (BitConverter.IsLittleEndian)
        {
            MemoryMarshal.AsBytes(values).CopyTo(bytes);
        }
        else
        {
            for (var i = 0; i < values.Length; i++)
            {
                BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * sizeof(float)), values[i]);
            }
        }

        return new TensorData(name, TensorDType.F32, ToLongShape(shape), bytes);
    }

    /// <summary>A float16 tensor (values rounded to the nearest half).</summary>
    public static TensorData FromFloat16(string name, ReadOnlySpan<int> shape, ReadOnlySpan<float> values)
    {
        var bytes = new byte[values.Length * 2];
        for (var i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteHalfLittleEndian(bytes.AsSpan(i * 2), (Half)values[i]);
        }

        return new TensorData(name, TensorDType.F16, ToLongShape(shape), bytes);
    }

    /// <summary>A bfloat16 tensor: the upper 16 bits of each float32, rounded to nearest even.</summary>
    public static TensorData FromBFloat16(string name, ReadOnlySpan<int> shape, ReadOnlySpan<float> values)
    {
        var bytes = new byte[values.Length * 2];
        for (var i = 0; i < values.Length; i++)
        {
            var bits = BitConverter.SingleToUInt32Bits(values[i]);
            var rounded = float.IsNaN(values[i]) ? (bits >> 16) | 0x40u : (bits + 0x7FFFu + ((bits >> 16) & 1u)) >> 16;
            BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(i * 2), (ushort)rounded);
        }

        return new TensorData(name, TensorDType.BF16, ToLongShape(shape), bytes);
    }

    /// <summary>An int64 tensor (e.g. token ids).</summary>
    public static TensorData FromInt64(string name, ReadOnlySpan<int> shape, ReadOnlySpan<long> values)
    {
        var bytes = new byte[values.Length * sizeof(long)];
        for (var i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(i * sizeof(long)), values[i]);
        }

        return new TensorData(name, TensorDType.I64, ToLongShape(shape), bytes);
    }

    private static ImmutableArray<long> ToLongShape(ReadOnlySpan<int> shape)
    {
        var builder = ImmutableArray.CreateBuilder<long>(shape.Length);
        foreach (var size in shape)
        {
            builder.Add(size);
        }

        return builder.MoveToImmutable();
    }
}
