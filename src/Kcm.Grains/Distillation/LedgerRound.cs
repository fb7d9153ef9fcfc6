using Kcm.Abstractions.Distillation;

namespace Kcm.Grains.Distillation;

/// <summary>One recorded round in the distillation ledger: its number, when it was recorded, its outcome and the ids of the records it used.</summary>
[GenerateSerializer, Alias("kcm.distillation-ledger-round")]
public sealed class LedgerRound
{
    /// <summary>The round's number.</summary>
    [Id(0)]
    public long Round { get; set; }

    /// <summary>When the round's outcome was recorded.</summary>
    [Id(1)]
    public DateTimeOffset RecordedUtc { get; set; }

    /// <summary>The round's outcome (accepted, rejected, or failed when training threw).</summary>
    [Id(2)]
    public DistillationOutcome Outcome { get; set; }

    /// <summary>The record ids, 16 bytes each (<see cref="Guid.TryWriteBytes(Span{byte})"/>): compact in grain storage.</summary>
    [Id(3)]
    public byte[] RecordIds { get; set; } = [];

    /// <summary>How many ids <see cref="RecordIds"/> holds.</summary>
    public int Count => RecordIds.Length / 16;

    /// <summary>The id at <paramref name="index"/>.</summary>
    public Guid IdAt(int index) => new(RecordIds.AsSpan(index * 16, 16));

    /// <summary>A ledger entry holding <paramref name="ids"/>.</summary>
    public static LedgerRound Of(long round, DateTimeOffset recordedUtc, DistillationOutcome outcome, IReadOnlyList<Guid> ids)
    {
        var bytes = new byte[ids.Count * 16];
        for (var i = 0; i < ids.Count; i++)
        {
            ids[i].TryWriteBytes(bytes.AsSpan(i * 16, 16));
        }

        return new LedgerRound { Round = round, RecordedUtc = recordedUtc, Outcome = outcome, RecordIds = bytes };
    }
}
