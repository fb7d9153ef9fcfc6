using System.Diagnostics;
using System.Text;
using Kcm.Cluster.Broker;
using Kcm.Cluster.Teachers;
using Kcm.Cluster.Telemetry;
using Kcm.Cluster.Tests.Support;
using Kcm.Grains.Distillation;
using Kcm.Grains.Telemetry;
using Microsoft.Extensions.Logging.Abstractions;
using RabbitMQ.Client;

namespace Kcm.Cluster.Tests;

[Collection(BrokerCollection.Name)]
public sealed class TeacherQueueTests(BrokerFixture fixture) : IAsyncLifetime
{
    private readonly CounterRecorder _counters = new();
    private readonly KcmInstruments _instruments = new();
    private readonly ClusterInstruments _clusterInstruments = new();
    private readonly List<IAsyncDisposable> _owned = [];
    private readonly string _model = "m" + Guid.NewGuid().ToString("N")[..8];

    private Uri Broker => fixture.Broker.Uri;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        for (var i = _owned.Count - 1; i >= 0; i--)
        {
            await _owned[i].DisposeAsync();
        }

        _clusterInstruments.Dispose();
        _instruments.Dispose();
        _counters.Dispose();
    }

    [Fact]
    public async Task Records_round_trip_with_every_field()
    {
        var (front, _) = await StartQueueAsync("front", consume: null);
        var (distiller, _) = await StartQueueAsync("distiller", consume: 100);
        var sample = new TeacherSample([1f, 2f, 3f], [0.1f, 0.7f, 0.2f], [0.3f, 0.3f, 0.4f], 1);
        var unlabelled = new TeacherSample([4f, 5f, 6f], [0.5f, 0.25f, 0.25f], null, null);

        Assert.True(front.TryEnqueue(sample));
        Assert.True(front.TryEnqueue(unlabelled));
        var delivery = await TakeAtLeastAsync(distiller, 2);

        Assert.Equal(2, delivery.Samples.Count);
        Assert.Equal(sample.Features, delivery.Samples[0].Features);
        Assert.Equal(sample.LargeProbabilities, delivery.Samples[0].LargeProbabilities);
        Assert.Equal(sample.JudgeProbabilities, delivery.Samples[0].JudgeProbabilities);
        Assert.Equal(1, delivery.Samples[0].Label);
        Assert.Null(delivery.Samples[1].JudgeProbabilities);
        Assert.Null(delivery.Samples[1].Label);
        await distiller.AcknowledgeAsync(delivery, CancellationToken.None);
        Assert.Equal(2, _counters.Total("kcm_teacher_records_consumed_total"));
    }

    [Fact]
    public async Task Records_survive_a_distiller_crash_and_the_standby_takes_over()
    {
        const int Records = 60;
        var (front, _) = await StartQueueAsync("front", consume: null);
        var (active, activeConnection) = await StartQueueAsync("distiller-a", consume: 1000);
        var (standby, standbyConnection) = await StartQueueAsync("distiller-b", consume: 1000);
        for (var i = 0; i < Records; i++)
        {
            Assert.True(front.TryEnqueue(Sample(i)));
        }

        // The active distiller takes every record, then dies mid-round without acknowledging.
        var taken = await TakeAtLeastAsync(active, Records);
        Assert.Equal(Records, taken.Samples.Count);
        Assert.True(standby.Count == 0, $"standby holds {standby.Count}; front published {front.Published}; active holds {active.Count} more");
        await activeConnection.AbortAsync();

        var delivery = await TakeAtLeastAsync(standby, Records);
        await standby.AcknowledgeAsync(delivery, CancellationToken.None);
        Assert.Equal(0, standby.Count);
        Assert.Equal(0, active.Count);
        // Acknowledgements are one-way: a consumer that leaves right after acking can race the quorum queue settling
        // them (those records then come back: at least once). Give the broker a moment, as a live distiller would.
        await Task.Delay(500);

        Assert.Equal(Enumerable.Range(0, Records).Select(i => (float)i), delivery.Samples.Select(s => s.Features[0]).Order());
        // Unacknowledged records would be ready again once their consumer is gone: none may be.
        await standby.DisposeAsync();
        await standbyConnection.DisposeAsync();
        Assert.Equal(0u, await MessagesInAsync(ClusterNames.TeacherQueue(_model)));
    }

    [Fact]
    public async Task Acknowledged_records_are_gone_and_returned_ones_come_back_first()
    {
        var (front, _) = await StartQueueAsync("front", consume: null);
        var (distiller, distillerConnection) = await StartQueueAsync("distiller", consume: 1000);
        for (var i = 0; i < 10; i++)
        {
            front.TryEnqueue(Sample(i));
        }

        await WaitUntilAsync(() => distiller.Count == 10, TimeSpan.FromSeconds(10));
        var first = await distiller.TakeAsync(4, CancellationToken.None);
        await distiller.ReturnAsync(first, CancellationToken.None);
        var again = await distiller.TakeAsync(4, CancellationToken.None);
        Assert.Equal(first.Samples.Select(s => s.Features[0]), again.Samples.Select(s => s.Features[0]));

        await distiller.AcknowledgeAsync(again, CancellationToken.None);
        var rest = await distiller.TakeAsync(100, CancellationToken.None);
        await distiller.AcknowledgeAsync(rest, CancellationToken.None);
        await Task.Delay(500);

        Assert.Equal(6, rest.Samples.Count);
        await distiller.DisposeAsync();
        await distillerConnection.DisposeAsync();
        Assert.Equal(0u, await MessagesInAsync(ClusterNames.TeacherQueue(_model)));
        Assert.Equal(10, _counters.Total("kcm_teacher_records_consumed_total"));
    }

    [Fact]
    public async Task A_record_published_twice_under_one_id_is_used_once()
    {
        var (distiller, _) = await StartQueueAsync("distiller", consume: 100);
        var queue = ClusterNames.TeacherQueue(_model);
        var body = TeacherRecordCodec.Encode(Sample(1));
        var properties = new BasicProperties { Persistent = true, MessageId = "front-x:run:1" };
        await using var connection = await BrokerConnection.ConnectAsync(Broker, "raw", NullLogger.Instance, CancellationToken.None);
        await using var channel = await connection.OpenChannelAsync(confirms: true, null, CancellationToken.None);
        // The second publish is what a front does when the broker went away before confirming the first.
        await channel.BasicPublishAsync(string.Empty, queue, true, properties, body);
        await channel.BasicPublishAsync(string.Empty, queue, true, properties, body);

        var delivery = await TakeAtLeastAsync(distiller, 1);
        await WaitUntilAsync(() => _counters.Total("kcm_teacher_records_duplicates_total") == 1, TimeSpan.FromSeconds(10));
        await distiller.AcknowledgeAsync(delivery, CancellationToken.None);
        await channel.BasicPublishAsync(string.Empty, queue, true, properties, body); // after the round used it
        await WaitUntilAsync(() => _counters.Total("kcm_teacher_records_duplicates_total") == 2, TimeSpan.FromSeconds(10));

        Assert.Single(delivery.Samples);
        Assert.Equal(1, _counters.Total("kcm_teacher_records_consumed_total"));
        Assert.Equal(0, distiller.Count);
        Assert.Equal(0u, await MessagesInAsync(queue));
    }

    [Fact]
    public async Task An_undecodable_record_goes_to_the_dead_letter_queue_with_its_reason()
    {
        var (distiller, _) = await StartQueueAsync("distiller", consume: 100);
        var (front, _) = await StartQueueAsync("front", consume: null);
        await using (var connection = await BrokerConnection.ConnectAsync(Broker, "raw", NullLogger.Instance, CancellationToken.None))
        {
            await using var channel = await connection.OpenChannelAsync(confirms: true, null, CancellationToken.None);
            await channel.BasicPublishAsync(string.Empty, ClusterNames.TeacherQueue(_model), true, new BasicProperties(), "not a record"u8.ToArray());
        }

        front.TryEnqueue(Sample(1));
        var delivery = await TakeAtLeastAsync(distiller, 1);
        await distiller.AcknowledgeAsync(delivery, CancellationToken.None);
        await WaitUntilAsync(() => _counters.Total("kcm_teacher_records_dead_lettered_total") == 1, TimeSpan.FromSeconds(10));

        await using var probe = await BrokerConnection.ConnectAsync(Broker, "probe", NullLogger.Instance, CancellationToken.None);
        await using var probeChannel = await probe.OpenChannelAsync(confirms: false, null, CancellationToken.None);
        var dead = await probeChannel.BasicGetAsync(ClusterNames.TeacherDeadLetterQueue(_model), autoAck: true);
        Assert.NotNull(dead);
        Assert.Equal("not a record", Encoding.UTF8.GetString(dead.Body.Span));
        var reason = Encoding.UTF8.GetString((byte[])dead.BasicProperties.Headers![ClusterHeaders.DeadReason]!);
        Assert.Contains("header", reason, StringComparison.Ordinal);
        Assert.Single(delivery.Samples);
        Assert.Equal(0u, await MessagesInAsync(ClusterNames.TeacherQueue(_model)));
    }

    [Fact]
    public async Task A_full_local_buffer_drops_instead_of_blocking_serving()
    {
        await using var connection = await BrokerConnection.ConnectAsync(Broker, "front", NullLogger.Instance, CancellationToken.None);
        await using var queue = await RabbitMqTeacherQueue.StartAsync(
            connection, _model, "front", capacity: 5, consumePrefetch: null, _instruments, _clusterInstruments,
            NullLogger<RabbitMqTeacherQueue>.Instance, CancellationToken.None);
        var accepted = 0;
        var stopwatch = Stopwatch.StartNew();
        for (var i = 0; i < 5000; i++)
        {
            accepted += queue.TryEnqueue(Sample(i)) ? 1 : 0;
        }

        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(2), $"enqueueing took {stopwatch.Elapsed}");
        Assert.True(accepted < 5000, "a bounded buffer must refuse some of 5000 records offered at once");
        Assert.Equal(5000 - accepted, _counters.Total("kcm_teacher_records_dropped_total"));
        await WaitUntilAsync(() => queue.Published == accepted, TimeSpan.FromSeconds(10));
        Assert.Equal((uint)accepted, await MessagesInAsync(ClusterNames.TeacherQueue(_model)));
    }

    private static TeacherSample Sample(int i) => new([i, 1f, 2f], [0.2f, 0.3f, 0.5f], null, i % 3);

    private async Task<(RabbitMqTeacherQueue Queue, BrokerConnection Connection)> StartQueueAsync(string nodeId, ushort? consume)
    {
        var connection = await BrokerConnection.ConnectAsync(Broker, nodeId, NullLogger.Instance, CancellationToken.None);
        _owned.Add(connection);
        var queue = await RabbitMqTeacherQueue.StartAsync(
            connection, _model, nodeId, capacity: 10_000, consume, _instruments, _clusterInstruments, NullLogger<RabbitMqTeacherQueue>.Instance,
            CancellationToken.None);
        _owned.Add(queue);
        return (queue, connection);
    }

    private static async Task<TeacherDelivery> TakeAtLeastAsync(RabbitMqTeacherQueue queue, int count)
    {
        await WaitUntilAsync(() => queue.Count >= count, TimeSpan.FromSeconds(15));
        return await queue.TakeAsync(count, CancellationToken.None);
    }

    private async Task<uint> MessagesInAsync(string queue)
    {
        await using var connection = await BrokerConnection.ConnectAsync(Broker, "probe", NullLogger.Instance, CancellationToken.None);
        await using var channel = await connection.OpenChannelAsync(confirms: false, null, CancellationToken.None);
        return (await channel.QueueDeclarePassiveAsync(queue)).MessageCount;
    }

    private static async Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout)
    {
        var stopwatch = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(stopwatch.Elapsed < timeout, $"condition not met within {timeout}");
            await Task.Delay(20);
        }
    }
}
