using Kcm.Grains.Storage;

namespace Kcm.Silo.Hosting;

/// <summary>Makes (or loads from the store) the models a silo serves; the embedded default trains at first start.</summary>
public interface IServingModelSource
{
    /// <summary>Builds the models; may train and cache in <paramref name="store"/>. Called once, in the background, at start.</summary>
    Task<ServingModels> LoadAsync(KcmSiloOptions options, IModelStore store, CancellationToken cancellationToken);
}
