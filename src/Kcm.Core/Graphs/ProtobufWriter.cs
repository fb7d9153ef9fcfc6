using System.Buffers.Binary;
using System.Text;

namespace Kcm.Core.Graphs;

/// <summary>The few protobuf wire encodings an ONNX model needs: varints, length-delimited fields, fixed32 floats.</summary>
internal sealed class ProtobufWriter
{
    private readonly MemoryStream _stream = new();

    public void Varint(int field, long value)
    {
        Tag(field, 0);
        WriteVarint((ulong)value);
    }

    public void Float(int field, float value)
    {
        Tag(field, 5);
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteSingleLittleEndian(bytes, value);
        _stream.Write(bytes);
    }

    public void String(int field, string value) => Bytes(field, Encoding.UTF8.GetBytes(value));

    public void Bytes(int field, ReadOnlySpan<byte> value)
    {
        Tag(field, 2);
        WriteVarint((ulong)value.Length);
        _stream.Write(value);
    }

    public void Message(int field, Action<ProtobufWriter> write)
    {
        var inner = new ProtobufWriter();
        write(inner);
        Bytes(field, inner.ToArray());
    }

    /// <summary>A packed repeated int64 field.</summary>
    public void PackedVarints(int field, IEnumerable<long> values)
    {
        var inner = new ProtobufWriter();
        foreach (var value in values)
        {
            inner.WriteVarint((ulong)value);
        }

        Bytes(field, inner.ToArray());
    }

    public byte[] ToArray() => _stream.ToArray();

    private void Tag(int field, int wireType) => WriteVarint((ulong)((field << 3) | wireType));

    private void WriteVarint(ulong value)
    {
        while (value >= 0x80)
        {
            _stream.WriteByte((byte)(value | 0x80));
            value >>= 7;
        }

        _stream.WriteByte((byte)value);
    }
}
