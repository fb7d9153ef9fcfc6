using Kcm.Core.Data;
using Kcm.Core.Distillation;
using Kcm.Core.Models;
using Kcm.Core.Training;
using Kcm.Grains.Distillation;

namespace Kcm.Silo.Embedded;

/// <summary>The distillation trainer over <see cref="SmallModelDistiller"/>, guarded by a held-out check set.</summary>
public sealed class SmallModelDistillationTrainer(SmallModelDistiller distiller, Dataset checkSet) : IDistillationTrainer
{
    public DistillationTrainerResult Train(IClassifier current, IReadOnlyList<TeacherSample> samples, CancellationToken cancellationToken)
    {
        if (current is not ITrainableClassifier trainable)
        {
            throw new ArgumentException($"The serving small model ({current.GetType().Name}) cannot be trained further.", nameof(current));
        }

        var records = new TeacherRecord[samples.Count];
        for (var i = 0; i < records.Length; i++)
        {
            var sample = samples[i];
            records[i] = new TeacherRecord(sample.Features, sample.LargeProbabilities, sample.JudgeProbabilities, sample.Label);
        }

        var result = distiller.Distill(trainable, records, checkSet, cancellationToken);
        return new DistillationTrainerResult(result.Candidate, result.Accepted, result.Reason, result.CheckAccuracyBefore, result.CheckAccuracyAfter);
    }
}
