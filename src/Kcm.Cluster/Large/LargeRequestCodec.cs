using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace Kcm.Cluster.Large;

/// <summary>
/// The binary body of a large-model request: four little-endian int32 (samples, features, classes, hint rows: 0 or
/// samples), then the inputs and the hints as little-endian float32, row-major.
/// </summary>
public static class LargeRequestCodec
{
    public const int HeaderBytes = 16;

    public static int Length(int batchSize, int features, int classes, bool withHints) =>
        HeaderBytes + (batchSize * features + (withHints ? batchSize * classes : 0)) * sizeof(float);

    /// <summary>Writes a request into <paramref name="destination"/> (at least <see cref="Length"/> bytes) and returns its length.</summary>
    public static int Write(Span<byte> destination, ReadOnlySpan<float> inputs, ReadOnlySpan<float> hints, int batchSize, int features, int classes)
    {
        var withHints = hints.Length >= batchSize * classes;
        BinaryPrimitives.WriteInt32LittleEndian(destination, batchSize);
        BinaryPrimitives.WriteInt32LittleEndian(destination[4..], features);
        BinaryPrimitives.WriteInt32LittleEndian(destination[8..], classes);
        BinaryPrimitives.WriteInt32LittleEndian(destination[12..], withHints ? batchSize : 0);
        var offset = HeaderBytes;
        var inputBytes = MemoryMarshal.AsBytes(inputs[..(batchSize * features)]);
        inputBytes.CopyTo(destination[offset..]);
        offset += inputBytes.Length;
        if (withHints)
        {
            var hintBytes = MemoryMarshal.AsBytes(hints[..(batchSize * classes)]);
            hintBytes.CopyTo(destination[offset..]);
            offset += hintBytes.Length;
        }

        return offset;
    }

    /// <summary>Reads the header; false (with a reason) when the body is not a request for this shape.</summary>
    public static bool TryReadHeader(ReadOnlySpan<byte> body, int features, int classes, out int batchSize, out bool withHints, out string? problem)
    {
        batchSize = 0;
        withHints = false;
        if (body.Length < HeaderBytes)
        {
            problem = $"body of {body.Length} bytes is shorter than the {HeaderBytes}-byte header";
            return false;
        }

        batchSize = BinaryPrimitives.ReadInt32LittleEndian(body);
        var sentFeatures = BinaryPrimitives.ReadInt32LittleEndian(body[4..]);
        var sentClasses = BinaryPrimitives.ReadInt32LittleEndian(body[8..]);
        var hintRows = BinaryPrimitives.ReadInt32LittleEndian(body[12..]);
        withHints = hintRows > 0;
        if (batchSize < 1 || batchSize > 1_000_000 || sentFeatures != features || sentClasses != classes || (hintRows != 0 && hintRows != batchSize))
        {
            problem = $"header says {batchSize} samples x {sentFeatures} features, {sentClasses} classes, {hintRows} hint rows; this worker serves {features} features, {classes} classes";
            return false;
        }

        if (body.Length != Length(batchSize, features, classes, withHints))
        {
            problem = $"body has {body.Length} bytes, the header implies {Length(batchSize, features, classes, withHints)}";
            return false;
        }

        problem = null;
        return true;
    }

    /// <summary>The inputs of a request whose header was accepted by <see cref="TryReadHeader"/>.</summary>
    public static ReadOnlySpan<float> Inputs(ReadOnlySpan<byte> body, int batchSize, int features) =>
        MemoryMarshal.Cast<byte, float>(body.Slice(HeaderBytes, batchSize * features * sizeof(float)));

    /// <summary>The hints of a request whose header was accepted (empty when it carries none).</summary>
    public static ReadOnlySpan<float> Hints(ReadOnlySpan<byte> body, int batchSize, int features, int classes, bool withHints) => withHints
        ? MemoryMarshal.Cast<byte, float>(body.Slice(HeaderBytes + batchSize * features * sizeof(float), batchSize * classes * sizeof(float)))
        : [];
}
