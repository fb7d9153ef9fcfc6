using Kcm.Core.Models;

namespace Kcm.Grains.Distillation;

/// <summary>Trains a candidate small model from teacher records and judges it against the incumbent on a check set.</summary>
public interface IDistillationTrainer
{
    /// <summary>Runs one distillation (CPU-bound, on the calling thread) starting from <paramref name="current"/>.</summary>
    DistillationTrainerResult Train(IClassifier current, IReadOnlyList<TeacherSample> samples, CancellationToken cancellationToken);
}
