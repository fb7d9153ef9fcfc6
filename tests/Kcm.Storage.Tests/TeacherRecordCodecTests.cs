using Kcm.Core.Distillation;
using Kcm.Storage.Azure.Queue;

namespace Kcm.Storage.Tests;

/// <summary>The binary form of packed teacher records (no Azurite needed).</summary>
public sealed class TeacherRecordCodecTests
{
    [Fact]
    public void Records_decode_bit_for_bit_with_their_ids_including_NaN_and_missing_judge_and_label()
    {
        var nan = BitConverter.Int32BitsToSingle(0x7FC0_1234);
        var records = new[]
        {
            (Guid.NewGuid(), new TeacherRecord([1f, -0f, nan, float.Epsilon], [0.25f, 0.75f], [0.5f, 0.5f], 7)),
            (Guid.NewGuid(), new TeacherRecord([], [1f], null, null)),
            (Guid.NewGuid(), TeacherRecords.Numbered(3, withJudge: false, label: 0)),
        };

        var message = Pack(records);
        var ids = new List<Guid>();
        var decoded = new List<TeacherRecord>();
        TeacherRecordCodec.Read(message, ids, decoded);

        Assert.Equal(records.Select(r => r.Item1), ids);
        for (var i = 0; i < records.Length; i++)
        {
            var (expected, actual) = (records[i].Item2, decoded[i]);
            Assert.Equal(Bits(expected.Features), Bits(actual.Features));
            Assert.Equal(Bits(expected.TeacherProbabilities), Bits(actual.TeacherProbabilities));
            Assert.Equal(expected.JudgeProbabilities is null ? null : Bits(expected.JudgeProbabilities), actual.JudgeProbabilities is null ? null : Bits(actual.JudgeProbabilities));
            Assert.Equal(expected.Label, actual.Label);
        }
    }

    [Fact]
    public void A_fashion_sized_record_takes_3249_bytes_so_15_fill_a_48_KiB_message()
    {
        var size = TeacherRecordCodec.SizeOf(TeacherRecords.Numbered(1));

        Assert.Equal(3249, size);
        Assert.Equal(15, (AzureTeacherQueueOptions.MaxMessageBytesLimit - TeacherRecordCodec.HeaderBytes) / size);
    }

    [Fact]
    public void Damaged_messages_are_refused_whole_and_their_claimed_count_is_read_when_the_header_survives()
    {
        var message = Pack([(Guid.NewGuid(), TeacherRecords.Numbered(1)), (Guid.NewGuid(), TeacherRecords.Numbered(2))]);
        var ids = new List<Guid>();
        var records = new List<TeacherRecord>();

        Assert.Throws<InvalidDataException>(() => TeacherRecordCodec.Read(message.AsSpan(0, message.Length - 1), ids, records));
        Assert.Throws<InvalidDataException>(() => TeacherRecordCodec.Read([.. message, 0], ids, records));
        Assert.Throws<InvalidDataException>(() => TeacherRecordCodec.Read("not records"u8, ids, records));
        var badCount = message.ToArray();
        badCount[8 + 21] = 0xFF; // the first record's feature count
        Assert.Throws<InvalidDataException>(() => TeacherRecordCodec.Read(badCount, ids, records));

        Assert.Empty(ids);
        Assert.Empty(records);
        Assert.Equal(2, TeacherRecordCodec.ClaimedCount(message.AsSpan(0, 100)));
        Assert.Equal(1, TeacherRecordCodec.ClaimedCount("not records"u8));
    }

    private static byte[] Pack(IReadOnlyList<(Guid Id, TeacherRecord Record)> records)
    {
        var message = new byte[TeacherRecordCodec.HeaderBytes + records.Sum(r => TeacherRecordCodec.SizeOf(r.Record))];
        var offset = TeacherRecordCodec.HeaderBytes;
        foreach (var (id, record) in records)
        {
            offset += TeacherRecordCodec.Write(message.AsSpan(offset), id, record);
        }

        TeacherRecordCodec.WriteHeader(message, records.Count);
        return message;
    }

    private static int[] Bits(float[] values) => [.. values.Select(BitConverter.SingleToInt32Bits)];
}
