using Kcm.Core.Models;
using Kcm.Grains.Distillation;
using Kcm.Grains.Large;
using Kcm.Grains.Storage;
using Kcm.Silo.Hosting;

namespace Kcm.Cluster.Tests.Support;

/// <summary>
/// Models for silo-level cluster tests: a judge that is never confident (every sample takes the large route), a
/// small model of bias 1, the given arithmetic large model, and trainers (small model and judge) that always accept bias + 1.
/// </summary>
public sealed class ClusterModelSource(ArithmeticLargeModel large) : IServingModelSource
{
    public Task<ServingModels> LoadAsync(KcmSiloOptions options, IModelStore store, CancellationToken cancellationToken) =>
        Task.FromResult(new ServingModels(
            new BiasClassifier(0f),
            _ => new InitialSmallModel(new BiasClassifier(1f), 0.5),
            [large],
            new BiasClassifier.Codec(),
            new NextBiasTrainer(),
            new NextBiasTrainer()));

    private sealed class NextBiasTrainer : IDistillationTrainer
    {
        public DistillationTrainerResult Train(IClassifier current, IReadOnlyList<TeacherSample> samples, CancellationToken cancellationToken) =>
            new(new BiasClassifier(((BiasClassifier)current).Bias + 1), true, $"trained on {samples.Count} records", 0.5, 0.6);
    }
}
