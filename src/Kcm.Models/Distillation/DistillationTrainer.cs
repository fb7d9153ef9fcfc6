using Kcm.Core.Data;
using Kcm.Core.Distillation;
using Kcm.Core.Models;
using Kcm.Core.Training;

namespace Kcm.Models.Distillation;

/// <summary>
/// Trains one serving classifier (the small model or the judge) further on a round's teacher records through a Core
/// <see cref="IClassifierDistiller"/>, with the replay window, and checks the candidate on a held-out check set: the
/// <see cref="DistillationResult"/> says whether it may serve. CPU-bound, on the calling thread.
/// </summary>
public sealed class DistillationTrainer(IClassifierDistiller distiller, Func<Dataset> checkSet, TeacherReplay replay)
{
    private readonly Lazy<Dataset> _checkSet = new(checkSet ?? throw new ArgumentNullException(nameof(checkSet)));

    /// <summary>One round starting from <paramref name="current"/> on <paramref name="round"/>'s records.</summary>
    /// <exception cref="ArgumentException">The serving classifier cannot be trained further.</exception>
    public DistillationResult Train(IClassifier current, IReadOnlyList<TeacherRecord> round, CancellationToken cancellationToken)
    {
        if (current is not ITrainableClassifier trainable)
        {
            throw new ArgumentException($"The serving model ({current.GetType().Name}) cannot be trained further.", nameof(current));
        }

        return distiller.Distill(trainable, replay.RecordsFor(round), _checkSet.Value, cancellationToken);
    }
}
