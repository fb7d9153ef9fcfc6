using Kcm.Abstractions.Registry;
using Kcm.Grains.Hosting;
using Kcm.Models.Sources;
using Microsoft.Extensions.Logging;

namespace Kcm.Grains.Registry;

/// <summary>
/// Publishes a model's first serving version when its registry has none: asks the model source for the first judge
/// and small model (trained now, or found cached in the model store), calibrates their threshold on the source's
/// calibration rows, and seeds the registry with the three. Run by distiller silos only (training is theirs); the
/// registry's <see cref="IModelRegistryGrain.SeedAsync"/> publishes only when no version exists, so a second seeding
/// silo changes nothing.
/// </summary>
public sealed class ServingSeeder(IServingModelSource source, ServingOptions options, ILogger<ServingSeeder> logger)
{
    /// <summary>Seeds <paramref name="registry"/> and returns its current version (the seeded one, or the one already there).</summary>
    public async Task<ServingVersion> SeedAsync(IModelRegistryGrain registry, CancellationToken cancellationToken)
    {
        logger.LogInformation("Model {Model} has no serving version: preparing the first judge and small model.", options.ModelName);
        var models = await source.CreateInitialModelsAsync(options.ModelName, cancellationToken).ConfigureAwait(false);
        // Three models over the calibration rows: CPU-bound for a second or more, off the caller's thread.
        var calibrated = await Task.Run(() => source.Calibrator.Calibrate(models.SmallClassifier, models.JudgeClassifier), cancellationToken).ConfigureAwait(false);
        logger.LogInformation(
            "Calibrated the threshold ({Rule}) on {Rows} rows: {Threshold}, promising a large share of {Share:P2} and accuracy {Accuracy:P2} (large only {LargeOnly:P2}, small only {SmallOnly:P2}).",
            source.Calibrator.Rule, calibrated.Count, calibrated.Epsilon, calibrated.ExpectedLargeShare, calibrated.ExpectedAccuracy, calibrated.LargeOnlyAccuracy, calibrated.SmallOnlyAccuracy);
        var proposal = new ServingProposal(
            models.Small.ToStoredWeights(), models.Judge.ToStoredWeights(), source.Calibrator.ServingThreshold(calibrated), $"first start, threshold by {source.Calibrator.Rule}")
        {
            CalibratedLargeShare = calibrated.ExpectedLargeShare, Score = source.Calibrator.Score.ToRoutingScore(),
        };
        return await registry.SeedAsync(proposal).ConfigureAwait(false);
    }
}
