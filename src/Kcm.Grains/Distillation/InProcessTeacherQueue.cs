using Kcm.Grains.Telemetry;

namespace Kcm.Grains.Distillation;

/// <summary>
/// The embedded teacher queue: a bounded in-memory queue under one lock. Handed-over records are remembered until
/// acknowledged; returned ones go back to the front. Records owed count against the capacity, so memory stays bounded.
/// </summary>
public sealed class InProcessTeacherQueue : ITeacherQueue
{
    private readonly LinkedList<TeacherSample> _waiting = new();
    private readonly Dictionary<long, TeacherDelivery> _owed = [];
    private readonly Lock _lock = new();
    private readonly KcmInstruments _instruments;
    private long _nextDeliveryId;
    private int _owedCount;

    public InProcessTeacherQueue(int capacity, KcmInstruments instruments)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        Capacity = capacity;
        _instruments = instruments;
        instruments.AddGauge("kcm_teacher_queue_depth", "{record}", "Teacher records waiting for the distiller.", () => Count);
    }

    public int Capacity { get; }

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

    public bool TryEnqueue(TeacherSample sample)
    {
        ArgumentNullException.ThrowIfNull(sample);
        lock (_lock)
        {
            if (_waiting.Count + _owedCount >= Capacity)
            {
                _instruments.TeacherRecordsDropped.Add(1);
                return false;
            }

            _waiting.AddLast(sample);
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
            var samples = new TeacherSample[count];
            for (var i = 0; i < count; i++)
            {
                samples[i] = _waiting.First!.Value;
                _waiting.RemoveFirst();
            }

            var delivery = new TeacherDelivery(++_nextDeliveryId, samples);
            _owed.Add(delivery.DeliveryId, delivery);
            _owedCount += count;
            return ValueTask.FromResult(delivery);
        }
    }

    public ValueTask AcknowledgeAsync(TeacherDelivery delivery, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (!_owed.Remove(delivery.DeliveryId))
            {
                return ValueTask.CompletedTask;
            }

            _owedCount -= delivery.Samples.Count;
        }

        _instruments.TeacherRecordsConsumed.Add(delivery.Samples.Count);
        return ValueTask.CompletedTask;
    }

    public ValueTask ReturnAsync(TeacherDelivery delivery, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (_owed.Remove(delivery.DeliveryId))
            {
                _owedCount -= delivery.Samples.Count;
                for (var i = delivery.Samples.Count - 1; i >= 0; i--)
                {
                    _waiting.AddFirst(delivery.Samples[i]);
                }
            }
        }

        return ValueTask.CompletedTask;
    }
}
