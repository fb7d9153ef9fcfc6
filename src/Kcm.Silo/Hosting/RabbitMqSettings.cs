namespace Kcm.Silo.Hosting;

/// <summary>The cluster fabric's broker (configuration section <c>Kcm:RabbitMq</c>).</summary>
public sealed class RabbitMqSettings
{
    /// <summary>
    /// The broker's AMQP URI (e.g. <c>amqp://user:password@host:5672/vhost</c>). When set, every cross-node path uses
    /// RabbitMQ; when unset the silo runs embedded (in-process transports) and must have all three roles.
    /// </summary>
    public string? Uri { get; set; }
}
