using System.Runtime.InteropServices;
using Orleans.Serialization.Buffers;
using Orleans.Serialization.Codecs;
using Orleans.Serialization.WireProtocol;

namespace Kcm.Abstractions.Classification;

/// <summary>
/// A float array that travels as one run of bytes. Orleans writes a <c>float[]</c> field element by element (a field
/// header and a value per float: 15-23 us per 784-feature row for writing and reading it, measured), but this as one
/// copy each way (<see cref="PackedFloatsCodec"/>). Used in the wire forms of the messages that carry feature rows.
/// </summary>
/// <param name="Values">The floats; null only in a malformed message (validation answers it).</param>
[Immutable]
public readonly record struct PackedFloats(float[] Values);

/// <summary>
/// Writes <see cref="PackedFloats"/> as a length-prefixed field of the floats' bytes (little-endian, as on every
/// platform Orleans runs on) and reads it straight into a new array; references and null as Orleans' byte[] codec.
/// </summary>
[RegisterSerializer]
public sealed class PackedFloatsCodec : IFieldCodec<PackedFloats>
{
    public void WriteField<TBufferWriter>(ref Writer<TBufferWriter> writer, uint fieldIdDelta, Type? expectedType, PackedFloats value)
        where TBufferWriter : System.Buffers.IBufferWriter<byte>
    {
        if (ReferenceCodec.TryWriteReferenceField(ref writer, fieldIdDelta, expectedType, value.Values))
        {
            return;
        }

        writer.WriteFieldHeader(fieldIdDelta, expectedType, typeof(PackedFloats), WireType.LengthPrefixed);
        var bytes = MemoryMarshal.AsBytes(value.Values.AsSpan());
        writer.WriteVarUInt32((uint)bytes.Length);
        writer.Write(bytes);
    }

    public PackedFloats ReadValue<TInput>(ref Reader<TInput> reader, Field field)
    {
        if (field.WireType == WireType.Reference)
        {
            return new PackedFloats(ReferenceCodec.ReadReference<float[], TInput>(ref reader, field)!);
        }

        field.EnsureWireType(WireType.LengthPrefixed);
        var length = reader.ReadVarUInt32();
        if (length % sizeof(float) != 0 || length > int.MaxValue)
        {
            throw new InvalidDataException($"A packed float field of {length} bytes is not a whole number of 4-byte floats.");
        }

        // Checked before allocating: a declared length beyond the message is refused, not allocated.
        reader.EnsureAvailable(length);
        var values = new float[length / sizeof(float)];
        reader.ReadBytes(MemoryMarshal.AsBytes(values.AsSpan()));
        ReferenceCodec.RecordObject(reader.Session, values);
        return new PackedFloats(values);
    }
}
