using System.Diagnostics;
using Kcm.Cluster.Broker;
using Kcm.Cluster.Teachers;
using Kcm.Cluster.Telemetry;
using Kcm.Cluster.Tests.Support;
using Kcm.Grains.Distillation;
using Kcm.Grains.Large;
using Kcm.Grains.Telemetry;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kcm.Cluster.Tests;

[Collection(RestartableBrokerCollection.Name)]
public sealed class BrokerRestartTests(BrokerFixture fixture)
{
    private readonly string _model = "m" + Guid.NewGuid().ToString("N")[..8];

    [Fact]
    public async Task After_a_broker_restart_every_node_recovers_and_no_teacher_record_is_lost()
    {
        using var instruments = new KcmInstruments();
        using var clusterInstruments = new ClusterInstruments();
        var broker = fixture.Broker;
        await using var front = await FrontNode.StartAsync(broker.Uri, "front-1", _model, clusterInstruments);
        await using var large = await LargeNode.StartAsync(broker.Uri, "large-1", _model, clusterInstruments);
        await using var distillerConnection = await BrokerConnection.ConnectAsync(broker.Uri, "distiller", NullLogger.Instance, CancellationToken.None);
        await using var teachersIn = await RabbitMqTeacherQueue.StartAsync(
            front.Connection, _model, "front-1", 1000, null, instruments, clusterInstruments, NullLogger<RabbitMqTeacherQueue>.Instance, CancellationToken.None);
        await using var teachersOut = await RabbitMqTeacherQueue.StartAsync(
            distillerConnection, _model, "distiller", 1000, 1000, instruments, clusterInstruments, NullLogger<RabbitMqTeacherQueue>.Instance,
            CancellationToken.None);
        Assert.Equal(LargeModelStatus.Completed, await InferAsync(front, TimeSpan.FromSeconds(10)));

        const int Records = 40;
        for (var i = 0; i < Records; i++)
        {
            Assert.True(teachersIn.TryEnqueue(new TeacherSample([i, 0f, 0f, 0f], [0.5f, 0.25f, 0.25f], null, 0)));
        }

        await WaitUntilAsync(() => teachersIn.Published == Records && teachersOut.Count == Records, TimeSpan.FromSeconds(10), "records published and received");

        // A request in flight when the broker goes away ends at once, not at its 20 s deadline.
        large.Model.Gate.Reset();
        var inFlight = InferAsync(front, TimeSpan.FromSeconds(20));
        Assert.True(large.Model.Entered.Wait(TimeSpan.FromSeconds(10)));
        await broker.StopAsync();
        var outage = Stopwatch.StartNew();
        Assert.Equal(LargeModelStatus.Unavailable, await inFlight.WaitAsync(TimeSpan.FromSeconds(5)));
        large.Model.Gate.Set();
        Assert.False(front.Connection.IsConnected);

        // While the broker is down, requests are refused at once with a retriable status.
        var refused = Stopwatch.StartNew();
        Assert.Equal(LargeModelStatus.Unavailable, await InferAsync(front, TimeSpan.FromSeconds(20)));
        Assert.True(refused.Elapsed < TimeSpan.FromMilliseconds(200), $"refusing took {refused.Elapsed}");
        Assert.Equal(0, teachersOut.Count);

        await broker.StartAgainAsync();
        await WaitUntilAsync(
            () => front.Connection.IsConnected && large.Connection.IsConnected && distillerConnection.IsConnected, TimeSpan.FromSeconds(15), "every node reconnected");
        var recovered = outage.Elapsed;

        // The work queue consumer and the reply queue are back: requests are answered again.
        var status = LargeModelStatus.Unavailable;
        var answered = Stopwatch.StartNew();
        while (status != LargeModelStatus.Completed && answered.Elapsed < TimeSpan.FromSeconds(15))
        {
            status = await InferAsync(front, TimeSpan.FromSeconds(2));
        }

        Assert.Equal(LargeModelStatus.Completed, status);
        // Records published before the restart were unacknowledged: the distiller receives every one again.
        await WaitUntilAsync(() => teachersOut.Count >= Records, TimeSpan.FromSeconds(15), "records redelivered after the restart");
        var delivery = await teachersOut.TakeAsync(1000, CancellationToken.None);
        Assert.Equal(Enumerable.Range(0, Records).Select(i => (float)i), delivery.Samples.Select(s => s.Features[0]).Order());
        await teachersOut.AcknowledgeAsync(delivery, CancellationToken.None);
        Assert.True(recovered < TimeSpan.FromSeconds(30), $"recovery took {recovered}");
    }

    private static async Task<LargeModelStatus> InferAsync(FrontNode front, TimeSpan timeout)
    {
        var inputs = new float[ArithmeticLargeModel.Features];
        var logits = new float[ArithmeticLargeModel.Classes];
        return await front.Pool.InferAsync(inputs, ReadOnlyMemory<float>.Empty, 1, logits, timeout, CancellationToken.None);
    }

    private static async Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout, string what)
    {
        var stopwatch = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(stopwatch.Elapsed < timeout, $"not {what} within {timeout}");
            await Task.Delay(50);
        }
    }
}
