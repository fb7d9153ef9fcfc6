using Kcm.Grains.Large;
using Kcm.Grains.Storage;
using Kcm.Silo.Hosting;

namespace Kcm.Silo.Tests.Support;

/// <summary>Serves <see cref="TestModels"/>: fixed judge, small generation 1 at first start, the given large model instances.</summary>
internal sealed class TestModelSource(IReadOnlyList<ILargeModel> large, NextGenerationTrainer trainer) : IServingModelSource
{
    public Task<ServingModels> LoadAsync(KcmSiloOptions options, IModelStore store, CancellationToken cancellationToken) =>
        Task.FromResult(new ServingModels(
            TestModels.Judge(),
            _ => new InitialSmallModel(TestModels.Small(1), 0.9),
            large,
            new LinearClassifierCodec(),
            trainer));
}
