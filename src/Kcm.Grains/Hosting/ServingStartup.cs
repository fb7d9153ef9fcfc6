using Kcm.Grains.Classification;
using Kcm.Grains.Serving;
using Kcm.Models.Graphs;
using Microsoft.Extensions.Logging;

namespace Kcm.Grains.Hosting;

/// <summary>
/// Opens the large model on a gpu silo as the silo becomes active, so a provider that cannot run here (CUDA without a
/// GPU) is reported at once through <see cref="ServingReadiness"/>, not at the first request; and, when the judge or the
/// small model runs on the ONNX path, checks that path's provider the same way. The silo stays up to say so.
/// </summary>
public sealed class ServingStartup(
    LargeModelBatcher batcher,
    LocalSiloRoles roles,
    ServingReadiness readiness,
    ClassifierInferenceOptions inference,
    ServingSnapshotHolder snapshots,
    ILogger<ServingStartup> logger)
    : ILifecycleParticipant<ISiloLifecycle>
{
    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(ServingStartup), ServiceLifecycleStage.Active, OpenLargeModel);

    private Task OpenLargeModel(CancellationToken cancellationToken)
    {
        if (inference.UsesOnnx)
        {
            try
            {
                GraphClassifier.CheckProvider(snapshots.SessionOptions);
            }
            catch (Exception e)
            {
                logger.LogError(
                    "The judge's and small model's ONNX path cannot run on {Provider} on this silo; it will not become ready: {Reason}",
                    snapshots.SessionOptions.ExecutionProvider, e.Message);
                readiness.MarkClassifierPathFailed(e);
            }
        }

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
