using Kcm.Core.Distillation;
using Kcm.Grains.Telemetry;

namespace Kcm.Grains.Distillation;

/// <summary>
/// The in-process teacher queue: a bounded in-memory queue under one lock (a silo-local service, shared by the
/// large-model grains that fill it and the distillation grain that drains it). Handed-over records are remembered
/// until acknowledged; returned ones go back to the front. Records owed count against the capacity, so memory stays
/// bounded. Refused records (full, or an id already held) are counted in <c>kcm_teacher_records_dropped_total</c> by reason.
/// </summary>
public sealed class InProcessTeacherQueue : ITeacherQueue
{
    private readonly LinkedList<(Guid Id, TeacherRecord Record)> _waiting = new();
    private readonly HashSet<Guid> _held = [];
    private readonly Dictionary<long, (Guid Id, TeacherRecord Record)[]> _owed = [];
    private readonly Lock _lock = new();
    private readonly KcmInstruments _instruments;
    private long _nextDeliveryId;
    private long _refused;

    public InProcessTeacherQueue(int capacity, KcmInstruments instruments)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        Capacity = capacity;
        _instruments = instruments;
        instruments.AddGauge("kcm_teacher_queue_depth", "{record}", "Teacher records waiting for the distiller.", () => Count);
    }

    /// <summary>Most records held (waiting plus owed).</summary>
    public int Capacity { get; }

    /// <summary>Records refused since start (queue full or duplicate id).</summary>
    public long Refused => Interlocked.Read(ref _refused);

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _waiting.Count;
            }
        }
    }

    public bool TryEnqueue(Guid recordId, TeacherRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        lock (_lock)
        {
            var refusal = _held.Count >= Capacity ? TeacherRefusal.Full : _held.Contains(recordId) ? TeacherRefusal.Duplicate : null;
            if (refusal is not null)
            {
                Interlocked.Increment(ref _refused);
                _instruments.TeacherRecordsDropped.Add(1, new KeyValuePair<string, object?>(TeacherRefusal.Tag, refusal));
                return false;
            }

            _held.Add(recordId);

            _waiting.AddLast((recordId, record));
        }

        _instruments.TeacherRecordsQueued.Add(1);
        return true;
    }

    public ValueTask<TeacherDelivery> TakeAsync(int maxCount, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxCount, 1);
        lock (_lock)
        {
            var count = Math.Min(maxCount, _waiting.Count);
            var taken = new (Guid Id, TeacherRecord Record)[count];
            var records = new TeacherRecord[count];
            var ids = new Guid[count];
            for (var i = 0; i < count; i++)
            {
                taken[i] = _waiting.First!.Value;
                (ids[i], records[i]) = taken[i];
                _waiting.RemoveFirst();
            }

            var delivery = new TeacherDelivery(++_nextDeliveryId, records, ids);
            _owed.Add(delivery.DeliveryId, taken);
            return ValueTask.FromResult(delivery);
        }
    }

    public ValueTask AcknowledgeAsync(TeacherDelivery delivery, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        lock (_lock)
        {
            if (!_owed.Remove(delivery.DeliveryId, out var taken))
            {
                return ValueTask.CompletedTask;
            }

            foreach (var (id, _) in taken)
            {
                _held.Remove(id);
            }
        }

        _instruments.TeacherRecordsConsumed.Add(delivery.Records.Count);
        return ValueTask.CompletedTask;
    }

    public ValueTask ReturnAsync(TeacherDelivery delivery, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        lock (_lock)
        {
            if (_owed.Remove(delivery.DeliveryId, out var taken))
            {
                for (var i = taken.Length - 1; i >= 0; i--)
                {
                    _waiting.AddFirst(taken[i]);
                }
            }
        }

        return ValueTask.CompletedTask;
    }
}
