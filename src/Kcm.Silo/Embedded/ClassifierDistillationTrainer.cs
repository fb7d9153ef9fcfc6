using Kcm.Core.Data;
using Kcm.Core.Distillation;
using Kcm.Core.Models;
using Kcm.Core.Training;
using Kcm.Grains.Distillation;

namespace Kcm.Silo.Embedded;

/// <summary>A distillation trainer over a Core distiller (small model or judge), on the round's replay, guarded by a held-out check set.</summary>
public sealed class ClassifierDistillationTrainer(IClassifierDistiller distiller, Dataset checkSet, TeacherReplay replay) : IDistillationTrainer
{
    public DistillationTrainerResult Train(IClassifier current, IReadOnlyList<TeacherSample> samples, CancellationToken cancellationToken)
    {
        if (current is not ITrainableClassifier trainable)
        {
            throw new ArgumentException($"The serving model ({current.GetType().Name}) cannot be trained further.", nameof(current));
        }

        var result = distiller.Distill(trainable, replay.RecordsFor(samples), checkSet, cancellationToken);
        return new DistillationTrainerResult(result.Candidate, result.Accepted, result.Reason, result.CheckAccuracyBefore, result.CheckAccuracyAfter);
    }
}
