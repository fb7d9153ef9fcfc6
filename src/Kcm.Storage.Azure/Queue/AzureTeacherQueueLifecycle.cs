using Microsoft.Extensions.Logging;

namespace Kcm.Storage.Azure.Queue;

/// <summary>
/// Starts the silo's <see cref="AzureTeacherQueue"/> with the silo's application services and stops it after the
/// grains are gone (stages stop in reverse), so records the large model produced up to the end are still sent.
/// </summary>
public sealed class AzureTeacherQueueLifecycle(AzureTeacherQueue queue, ILogger<AzureTeacherQueueLifecycle> logger) : ILifecycleParticipant<ISiloLifecycle>
{
    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(AzureTeacherQueueLifecycle), ServiceLifecycleStage.ApplicationServices, StartAsync, StopAsync);

    private Task StartAsync(CancellationToken cancellationToken)
    {
        logger.LogInformation("Teacher records go to the Azure Storage queue {Queue}.", queue.QueueName);
        return queue.StartAsync(cancellationToken);
    }

    private Task StopAsync(CancellationToken cancellationToken) => queue.StopAsync(cancellationToken);
}
