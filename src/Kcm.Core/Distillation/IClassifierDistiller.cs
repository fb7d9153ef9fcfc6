using Kcm.Core.Data;
using Kcm.Core.Models;
using Kcm.Core.Training;

namespace Kcm.Core.Distillation;

/// <summary>One guarded distillation round of a classifier (the small model or the judge) on teacher records.</summary>
public interface IClassifierDistiller
{
    /// <summary>Trains a candidate from <paramref name="current"/> on <paramref name="records"/>, then accepts or rejects it on <paramref name="checkSet"/>.</summary>
    DistillationResult Distill(ITrainableClassifier current, IReadOnlyList<TeacherRecord> records, Dataset checkSet, CancellationToken cancellationToken = default);
}
