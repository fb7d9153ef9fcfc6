using Kcm.Grains.Distillation;
using Kcm.Grains.Telemetry;

namespace Kcm.Grains.Tests.Distillation;

public sealed class InProcessTeacherQueueTests
{
    [Fact]
    public async Task Return_AfterTake_RedeliversSameRecordsFirst()
    {
        using var instruments = new KcmInstruments();
        var queue = new InProcessTeacherQueue(10, instruments);
        var records = Enumerable.Range(0, 5).Select(Record).ToList();
        records.ForEach(r => Assert.True(queue.TryEnqueue(r)));

        var first = await queue.TakeAsync(3, default);
        await queue.ReturnAsync(first, default);
        var again = await queue.TakeAsync(10, default);

        Assert.Equal(records, again.Samples);
        Assert.Equal(0, queue.Count);
    }

    [Fact]
    public async Task TryEnqueue_FullIncludingOwed_RefusesUntilAcknowledged()
    {
        using var instruments = new KcmInstruments();
        var queue = new InProcessTeacherQueue(2, instruments);
        Assert.True(queue.TryEnqueue(Record(0)));
        Assert.True(queue.TryEnqueue(Record(1)));
        var delivery = await queue.TakeAsync(2, default);

        Assert.False(queue.TryEnqueue(Record(2))); // handed over but not acknowledged: still counts
        await queue.AcknowledgeAsync(delivery, default);
        Assert.True(queue.TryEnqueue(Record(3)));
    }

    private static TeacherSample Record(int i) => new([i], [1f], null, i);
}
