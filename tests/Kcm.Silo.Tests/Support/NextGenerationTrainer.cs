using Kcm.Core.Models;
using Kcm.Grains.Distillation;

namespace Kcm.Silo.Tests.Support;

/// <summary>
/// A distillation trainer for tests: the candidate is the next generation of <see cref="TestModels.Small"/>, accepted
/// unless <see cref="Reject"/> is set. It records every sample it was given.
/// </summary>
internal sealed class NextGenerationTrainer : IDistillationTrainer
{
    private int _samplesSeen;

    public bool Reject { get; set; }

    public int SamplesSeen => Volatile.Read(ref _samplesSeen);

    public DistillationTrainerResult Train(IClassifier current, IReadOnlyList<TeacherSample> samples, CancellationToken cancellationToken)
    {
        Interlocked.Add(ref _samplesSeen, samples.Count);
        var next = TestModels.Small(TestModels.LabelOf((LinearClassifier)current) + 1);
        return Reject
            ? new DistillationTrainerResult(next, false, "refused by the test", 0.9, 0.5)
            : new DistillationTrainerResult(next, true, "accepted by the test", 0.9, 0.91);
    }
}
