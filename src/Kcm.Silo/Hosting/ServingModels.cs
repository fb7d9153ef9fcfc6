using Kcm.Core.Models;
using Kcm.Grains.Distillation;
using Kcm.Grains.Large;
using Kcm.Grains.Small;

namespace Kcm.Silo.Hosting;

/// <summary>The models and model-specific parts a silo serves with, as made by an <see cref="IServingModelSource"/>.</summary>
/// <param name="Judge">The judge classifier.</param>
/// <param name="InitialSmall">Makes the first small model, called only when the store holds no loadable version.</param>
/// <param name="LargeInstances">One large model instance (session) per pool worker.</param>
/// <param name="SmallCodec">How small models (and the judge) are stored.</param>
/// <param name="Trainer">The small model's distillation trainer with its acceptance guard.</param>
/// <param name="JudgeTrainer">The judge's distillation trainer, or null when the judge is fixed.</param>
/// <param name="JudgeVersion">The model-store version <paramref name="Judge"/> was loaded from (0: not stored).</param>
public sealed record ServingModels(
    IClassifier Judge,
    Func<CancellationToken, InitialSmallModel> InitialSmall,
    IReadOnlyList<ILargeModel> LargeInstances,
    IClassifierCodec SmallCodec,
    IDistillationTrainer Trainer,
    IDistillationTrainer? JudgeTrainer = null,
    int JudgeVersion = 0);
