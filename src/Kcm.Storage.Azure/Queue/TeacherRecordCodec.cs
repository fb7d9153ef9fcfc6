using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Kcm.Core.Distillation;

namespace Kcm.Storage.Azure.Queue;

/// <summary>
/// The binary form of teacher records packed into one queue message (little-endian). A message is a header, magic
/// <c>KTQ</c>, format 1 and the record count (8 bytes), then the records one after another, each: its producer-made id
/// (16 bytes), flags (1 byte: 1 = judge probabilities, 2 = label), label (int32), feature, teacher-probability and
/// judge-probability counts (int32 each), then those floats (float32). Floats are copied bit for bit, so a record
/// decodes exactly as it was made.
/// </summary>
public static class TeacherRecordCodec
{
    /// <summary>Bytes of the message header.</summary>
    public const int HeaderBytes = 8;

    /// <summary>Bytes of a record before its floats.</summary>
    public const int RecordHeaderBytes = 16 + 1 + 4 + 4 + 4 + 4;

    /// <summary>The most floats of one kind a record may claim (a guard against a damaged count).</summary>
    private const int MaxFloats = 1 << 22;

    private const byte Format = 1;
    private const byte HasJudge = 1;
    private const byte HasLabel = 2;

    /// <summary>Bytes <paramref name="record"/> takes in a message.</summary>
    public static int SizeOf(TeacherRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        return RecordHeaderBytes + 4 * (record.Features.Length + record.TeacherProbabilities.Length + (record.JudgeProbabilities?.Length ?? 0));
    }

    /// <summary>Writes the message header for <paramref name="count"/> records into the first <see cref="HeaderBytes"/> of <paramref name="message"/>.</summary>
    public static void WriteHeader(Span<byte> message, int count)
    {
        message[0] = (byte)'K';
        message[1] = (byte)'T';
        message[2] = (byte)'Q';
        message[3] = Format;
        BinaryPrimitives.WriteInt32LittleEndian(message[4..], count);
    }

    /// <summary>Writes one record at the start of <paramref name="destination"/>; returns the bytes written (<see cref="SizeOf"/>).</summary>
    public static int Write(Span<byte> destination, Guid id, TeacherRecord record)
    {
        var judge = record.JudgeProbabilities;
        id.TryWriteBytes(destination);
        destination[16] = (byte)((judge is null ? 0 : HasJudge) | (record.Label is null ? 0 : HasLabel));
        BinaryPrimitives.WriteInt32LittleEndian(destination[17..], record.Label ?? 0);
        BinaryPrimitives.WriteInt32LittleEndian(destination[21..], record.Features.Length);
        BinaryPrimitives.WriteInt32LittleEndian(destination[25..], record.TeacherProbabilities.Length);
        BinaryPrimitives.WriteInt32LittleEndian(destination[29..], judge?.Length ?? 0);
        var offset = RecordHeaderBytes;
        offset += WriteFloats(destination[offset..], record.Features);
        offset += WriteFloats(destination[offset..], record.TeacherProbabilities);
        if (judge is not null)
        {
            offset += WriteFloats(destination[offset..], judge);
        }

        return offset;
    }

    /// <summary>Decodes a whole message into <paramref name="ids"/> and <paramref name="records"/> (appended, in order).</summary>
    /// <exception cref="InvalidDataException">The bytes are not a message of this format; nothing is appended.</exception>
    public static void Read(ReadOnlySpan<byte> message, List<Guid> ids, List<TeacherRecord> records)
    {
        var count = ReadHeader(message);
        var readIds = new Guid[count];
        var read = new TeacherRecord[count];
        var offset = HeaderBytes;
        for (var i = 0; i < count; i++)
        {
            var rest = message[offset..];
            if (rest.Length < RecordHeaderBytes)
            {
                throw new InvalidDataException($"Record {i} of {count} is cut short ({rest.Length} bytes left).");
            }

            var flags = rest[16];
            var features = Count(rest[21..], "feature", i);
            var teacher = Count(rest[25..], "teacher probability", i);
            var judge = Count(rest[29..], "judge probability", i);
            if ((flags & ~(HasJudge | HasLabel)) != 0 || ((flags & HasJudge) == 0 && judge != 0))
            {
                throw new InvalidDataException($"Record {i} has unknown flags {flags}.");
            }

            var size = RecordHeaderBytes + 4L * (features + teacher + judge);
            if (size > rest.Length)
            {
                throw new InvalidDataException($"Record {i} claims {size} bytes; {rest.Length} are left.");
            }

            readIds[i] = new Guid(rest[..16]);
            var floats = rest[RecordHeaderBytes..];
            read[i] = new TeacherRecord(
                ReadFloats(floats, 0, features),
                ReadFloats(floats, features, teacher),
                (flags & HasJudge) != 0 ? ReadFloats(floats, features + teacher, judge) : null,
                (flags & HasLabel) != 0 ? BinaryPrimitives.ReadInt32LittleEndian(rest[17..]) : null);
            offset += (int)size;
        }

        if (offset != message.Length)
        {
            throw new InvalidDataException($"{message.Length - offset} bytes follow the message's {count} records.");
        }

        ids.AddRange(readIds);
        records.AddRange(read);
    }

    /// <summary>The record count a damaged message claims, if its header is readable; else 1 (the message itself).</summary>
    public static int ClaimedCount(ReadOnlySpan<byte> message)
    {
        try
        {
            return Math.Max(1, ReadHeader(message));
        }
        catch (InvalidDataException)
        {
            return 1;
        }
    }

    /// <summary>The record count of a message's header.</summary>
    /// <exception cref="InvalidDataException">The header is not this format's.</exception>
    public static int ReadHeader(ReadOnlySpan<byte> message)
    {
        if (message.Length < HeaderBytes || message[0] != 'K' || message[1] != 'T' || message[2] != 'Q')
        {
            throw new InvalidDataException("Not a teacher-record message (no KTQ header).");
        }

        if (message[3] != Format)
        {
            throw new InvalidDataException($"Teacher-record message format {message[3]} is not known (this reader knows {Format}).");
        }

        var count = BinaryPrimitives.ReadInt32LittleEndian(message[4..]);
        if (count < 0 || count > (message.Length - HeaderBytes) / RecordHeaderBytes)
        {
            throw new InvalidDataException($"The message claims {count} records in {message.Length} bytes.");
        }

        return count;
    }

    private static int Count(ReadOnlySpan<byte> at, string what, int record)
    {
        var count = BinaryPrimitives.ReadInt32LittleEndian(at);
        return count is >= 0 and <= MaxFloats ? count : throw new InvalidDataException($"Record {record} claims {count} {what} values.");
    }

    private static int WriteFloats(Span<byte> destination, float[] values)
    {
        var bytes = values.Length * 4;
        if (BitConverter.IsLittleEndian)
        {
            MemoryMarshal.AsBytes(values.AsSpan()).CopyTo(destination);
        }
        else
        {
            for (var i = 0; i < values.Length; i++)
            {
                BinaryPrimitives.WriteSingleLittleEndian(destination[(i * 4)..], values[i]);
            }
        }

        return bytes;
    }

    private static float[] ReadFloats(ReadOnlySpan<byte> floats, int start, int count)
    {
        var source = floats.Slice(start * 4, count * 4);
        var values = new float[count];
        if (BitConverter.IsLittleEndian)
        {
            source.CopyTo(MemoryMarshal.AsBytes(values.AsSpan()));
        }
        else
        {
            for (var i = 0; i < count; i++)
            {
                values[i] = BinaryPrimitives.ReadSingleLittleEndian(source[(i * 4)..]);
            }
        }

        return values;
    }
}
