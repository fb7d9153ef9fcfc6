using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Kcm.Grains.Distillation;

namespace Kcm.Cluster.Teachers;

/// <summary>
/// The binary body of a teacher record: four little-endian int32 (features, classes, 1 when judge probabilities follow
/// else 0, label or -1), then the features, the large model's probabilities and the judge's (when present) as
/// little-endian float32.
/// </summary>
public static class TeacherRecordCodec
{
    public const int HeaderBytes = 16;

    public static byte[] Encode(TeacherSample sample)
    {
        var classes = sample.LargeProbabilities.Length;
        var withJudge = sample.JudgeProbabilities is { Length: > 0 };
        var body = new byte[HeaderBytes + (sample.Features.Length + classes + (withJudge ? classes : 0)) * sizeof(float)];
        var span = body.AsSpan();
        BinaryPrimitives.WriteInt32LittleEndian(span, sample.Features.Length);
        BinaryPrimitives.WriteInt32LittleEndian(span[4..], classes);
        BinaryPrimitives.WriteInt32LittleEndian(span[8..], withJudge ? 1 : 0);
        BinaryPrimitives.WriteInt32LittleEndian(span[12..], sample.Label ?? -1);
        var offset = HeaderBytes;
        offset += Copy(sample.Features, span[offset..]);
        offset += Copy(sample.LargeProbabilities, span[offset..]);
        if (withJudge)
        {
            Copy(sample.JudgeProbabilities!, span[offset..]);
        }

        return body;
    }

    /// <summary>Decodes a record; false with a reason (for the dead-letter header) when the body is not one.</summary>
    public static bool TryDecode(ReadOnlySpan<byte> body, out TeacherSample? sample, out string? problem)
    {
        sample = null;
        if (body.Length < HeaderBytes)
        {
            problem = $"body of {body.Length} bytes is shorter than the {HeaderBytes}-byte header";
            return false;
        }

        var features = BinaryPrimitives.ReadInt32LittleEndian(body);
        var classes = BinaryPrimitives.ReadInt32LittleEndian(body[4..]);
        var judgeFlag = BinaryPrimitives.ReadInt32LittleEndian(body[8..]);
        var label = BinaryPrimitives.ReadInt32LittleEndian(body[12..]);
        if (features is < 1 or > 1_000_000 || classes is < 2 or > 100_000 || judgeFlag is not (0 or 1) || label < -1 || label >= classes)
        {
            problem = $"header is not a teacher record (features {features}, classes {classes}, judge flag {judgeFlag}, label {label})";
            return false;
        }

        var floats = features + classes + judgeFlag * classes;
        if (body.Length != HeaderBytes + floats * sizeof(float))
        {
            problem = $"body has {body.Length} bytes, the header implies {HeaderBytes + floats * sizeof(float)}";
            return false;
        }

        var values = MemoryMarshal.Cast<byte, float>(body[HeaderBytes..]);
        foreach (var value in values)
        {
            if (!float.IsFinite(value))
            {
                problem = "record holds a non-finite value";
                return false;
            }
        }

        sample = new TeacherSample(
            values[..features].ToArray(),
            values.Slice(features, classes).ToArray(),
            judgeFlag == 1 ? values.Slice(features + classes, classes).ToArray() : null,
            label >= 0 ? label : null);
        problem = null;
        return true;
    }

    private static int Copy(float[] values, Span<byte> destination)
    {
        var bytes = MemoryMarshal.AsBytes(values.AsSpan());
        bytes.CopyTo(destination);
        return bytes.Length;
    }
}
