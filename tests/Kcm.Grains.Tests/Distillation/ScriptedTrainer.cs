using Kcm.Core.Models;
using Kcm.Grains.Distillation;

namespace Kcm.Grains.Tests.Distillation;

/// <summary>A trainer whose answer the test chooses; it counts calls and the records it saw, and can detect overlapping rounds.</summary>
internal sealed class ScriptedTrainer(Func<IClassifier, DistillationTrainerResult> answer, TimeSpan duration = default) : IDistillationTrainer
{
    private int _running;
    private int _calls;

    public int Calls => Volatile.Read(ref _calls);

    public int RecordsSeen { get; private set; }

    public bool Overlapped { get; private set; }

    public DistillationTrainerResult Train(IClassifier current, IReadOnlyList<TeacherSample> samples, CancellationToken cancellationToken)
    {
        if (Interlocked.Increment(ref _running) > 1)
        {
            Overlapped = true;
        }

        try
        {
            Thread.Sleep(duration);
            Interlocked.Increment(ref _calls);
            RecordsSeen += samples.Count;
            return answer(current);
        }
        finally
        {
            Interlocked.Decrement(ref _running);
        }
    }
}
