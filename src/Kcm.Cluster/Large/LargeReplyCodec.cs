using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;

namespace Kcm.Cluster.Large;

/// <summary>
/// The binary body of a large-model reply: three little-endian int32 (status: 0 completed, 1 failed; samples; classes),
/// then the logits as little-endian float32 (completed) or a UTF-8 reason (failed).
/// </summary>
public static class LargeReplyCodec
{
    public const int HeaderBytes = 12;
    public const int Completed = 0;
    public const int Failed = 1;

    public static int Length(int batchSize, int classes) => HeaderBytes + batchSize * classes * sizeof(float);

    public static int WriteCompleted(Span<byte> destination, ReadOnlySpan<float> logits, int batchSize, int classes)
    {
        BinaryPrimitives.WriteInt32LittleEndian(destination, Completed);
        BinaryPrimitives.WriteInt32LittleEndian(destination[4..], batchSize);
        BinaryPrimitives.WriteInt32LittleEndian(destination[8..], classes);
        var bytes = MemoryMarshal.AsBytes(logits[..(batchSize * classes)]);
        bytes.CopyTo(destination[HeaderBytes..]);
        return HeaderBytes + bytes.Length;
    }

    public static byte[] Failure(string reason)
    {
        var text = Encoding.UTF8.GetBytes(reason);
        var body = new byte[HeaderBytes + text.Length];
        BinaryPrimitives.WriteInt32LittleEndian(body, Failed);
        text.CopyTo(body, HeaderBytes);
        return body;
    }

    /// <summary>Copies the logits of a completed reply into <paramref name="logits"/>; false with a reason otherwise.</summary>
    public static bool TryRead(ReadOnlySpan<byte> body, int batchSize, int classes, Span<float> logits, out string? problem)
    {
        if (body.Length < HeaderBytes)
        {
            problem = $"reply of {body.Length} bytes is shorter than its header";
            return false;
        }

        var status = BinaryPrimitives.ReadInt32LittleEndian(body);
        if (status == Failed)
        {
            problem = "the large model worker failed: " + Encoding.UTF8.GetString(body[HeaderBytes..]);
            return false;
        }

        if (status != Completed || BinaryPrimitives.ReadInt32LittleEndian(body[4..]) != batchSize
            || BinaryPrimitives.ReadInt32LittleEndian(body[8..]) != classes || body.Length != Length(batchSize, classes))
        {
            problem = $"reply does not hold {batchSize} x {classes} logits";
            return false;
        }

        MemoryMarshal.Cast<byte, float>(body[HeaderBytes..]).CopyTo(logits);
        problem = null;
        return true;
    }
}
