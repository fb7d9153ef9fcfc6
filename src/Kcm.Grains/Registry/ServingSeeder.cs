using Kcm.Abstractions.Registry;
using Kcm.Grains.Hosting;
using Kcm.Models.Sources;
using Microsoft.Extensions.Logging;

namespace Kcm.Grains.Registry;

/// <summary>
/// Publishes a model's first serving version when its registry has none: asks the model source for the first judge
/// and small model (trained now, or found cached in the model store) and seeds the registry with them. Run by
/// distiller silos only (training is theirs); the registry's <see cref="IModelRegistryGrain.SeedAsync"/> publishes
/// only when no version exists, so a second seeding silo changes nothing.
/// </summary>
public sealed class ServingSeeder(IServingModelSource source, ServingOptions options, ILogger<ServingSeeder> logger)
{
    /// <summary>Seeds <paramref name="registry"/> and returns its current version (the seeded one, or the one already there).</summary>
    public async Task<ServingVersion> SeedAsync(IModelRegistryGrain registry, CancellationToken cancellationToken)
    {
        logger.LogInformation("Model {Model} has no serving version: preparing the first judge and small model.", options.ModelName);
        var models = await source.CreateInitialModelsAsync(options.ModelName, cancellationToken).ConfigureAwait(false);
        var proposal = new ServingProposal(models.Small.ToStoredWeights(), models.Judge.ToStoredWeights(), options.DefaultThreshold, "first start");
        return await registry.SeedAsync(proposal).ConfigureAwait(false);
    }
}
