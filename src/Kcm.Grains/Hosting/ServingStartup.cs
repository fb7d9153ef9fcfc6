using Kcm.Grains.Classification;
using Microsoft.Extensions.Logging;

namespace Kcm.Grains.Hosting;

/// <summary>
/// Opens the large model on a gpu silo as the silo becomes active, so a provider that cannot run here (CUDA without a
/// GPU) is reported at once through <see cref="ServingReadiness"/>, not at the first request. The silo stays up to say so.
/// </summary>
public sealed class ServingStartup(LargeModelBatcher batcher, LocalSiloRoles roles, ServingReadiness readiness, ILogger<ServingStartup> logger)
    : ILifecycleParticipant<ISiloLifecycle>
{
    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(ServingStartup), ServiceLifecycleStage.Active, OpenLargeModel);

    private Task OpenLargeModel(CancellationToken cancellationToken)
    {
        if (!roles.IsGpu)
        {
            return Task.CompletedTask;
        }

        try
        {
            batcher.Open();
        }
        catch (Exception e)
        {
            logger.LogError("The large model could not be opened on this gpu silo; it will not become ready: {Reason}", e.Message);
            readiness.MarkLargeModelFailed(e);
        }

        return Task.CompletedTask;
    }
}
