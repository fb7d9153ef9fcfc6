using RabbitMQ.Client;

namespace Kcm.Cluster.Broker;

/// <summary>
/// Declares the fabric's queues. Every node declares what it uses with the same arguments (declaring is idempotent;
/// different arguments would be refused), so start order does not matter.
/// </summary>
public static class ClusterTopology
{
    /// <summary>Redeliveries after which a quorum queue dead-letters a message instead of looping on it.</summary>
    public const int DeliveryLimit = 20;

    /// <summary>Teacher records the broker holds at most; beyond it publishes are refused (nacked), so nothing grows without bound.</summary>
    public const int TeacherQueueMaxLength = 1_000_000;

    /// <summary>The large model's work queue: durable and replicated (quorum), so queued requests survive a broker restart.</summary>
    public static Task DeclareLargeWorkQueueAsync(IChannel channel, string model, CancellationToken cancellationToken) =>
        channel.QueueDeclareAsync(
            ClusterNames.LargeWorkQueue(model), durable: true, exclusive: false, autoDelete: false,
            arguments: new Dictionary<string, object?>
            {
                ["x-queue-type"] = "quorum",
                ["x-delivery-limit"] = DeliveryLimit,
            },
            cancellationToken: cancellationToken);

    /// <summary>
    /// The teacher queue (quorum, single active consumer: a second distiller is a hot standby) and its dead-letter queue,
    /// which also takes records the broker redelivered more than <see cref="DeliveryLimit"/> times.
    /// </summary>
    public static async Task DeclareTeacherQueuesAsync(IChannel channel, string model, CancellationToken cancellationToken)
    {
        await channel.QueueDeclareAsync(
            ClusterNames.TeacherDeadLetterQueue(model), durable: true, exclusive: false, autoDelete: false,
            arguments: new Dictionary<string, object?> { ["x-queue-type"] = "quorum" },
            cancellationToken: cancellationToken).ConfigureAwait(false);
        await channel.QueueDeclareAsync(
            ClusterNames.TeacherQueue(model), durable: true, exclusive: false, autoDelete: false,
            arguments: new Dictionary<string, object?>
            {
                ["x-queue-type"] = "quorum",
                ["x-single-active-consumer"] = true,
                ["x-max-length"] = TeacherQueueMaxLength,
                ["x-overflow"] = "reject-publish",
                ["x-delivery-limit"] = DeliveryLimit,
                ["x-dead-letter-exchange"] = string.Empty,
                ["x-dead-letter-routing-key"] = ClusterNames.TeacherDeadLetterQueue(model),
            },
            cancellationToken: cancellationToken).ConfigureAwait(false);
    }
}
