using Kcm.Core.Distillation;
using Kcm.Grains.Distillation;

namespace Kcm.Silo.Embedded;

/// <summary>
/// What a distillation round trains on: the labelled seed rows (label term only, so the models keep what they learned
/// from them) plus a bounded window of the most recent teacher records, not only the round's new ones (a round on
/// 4,000 fresh records alone overfits them and its candidates fail the guard). Used by both the small-model and the
/// judge trainer of one distillation grain, whose round lock keeps calls sequential; the two trainers of a round get
/// the same composed list.
/// </summary>
public sealed class TeacherReplay
{
    private readonly Lazy<TeacherRecord[]> _anchors;
    private readonly Queue<TeacherRecord> _window = new();
    private readonly int _capacity;
    private IReadOnlyList<TeacherSample>? _lastSamples;
    private TeacherRecord[] _lastComposed = [];

    /// <param name="anchors">Makes the labelled rows that ride along in every round; called at the first round, so a
    /// silo that never distils (a front in cluster mode, distillation off) holds no copy of them.</param>
    /// <param name="capacity">Most recent teacher records kept; 0 trains on each round's records alone.</param>
    public TeacherReplay(Func<TeacherRecord[]> anchors, int capacity)
    {
        ArgumentNullException.ThrowIfNull(anchors);
        ArgumentOutOfRangeException.ThrowIfNegative(capacity);
        _anchors = new Lazy<TeacherRecord[]>(anchors);
        _capacity = capacity;
    }

    /// <summary>The anchors, the window before this round, and this round's records (added to the window once per round).</summary>
    public IReadOnlyList<TeacherRecord> RecordsFor(IReadOnlyList<TeacherSample> samples)
    {
        if (ReferenceEquals(samples, _lastSamples))
        {
            return _lastComposed;
        }

        foreach (var sample in samples)
        {
            _window.Enqueue(new TeacherRecord(sample.Features, sample.LargeProbabilities, sample.JudgeProbabilities, sample.Label));
            if (_window.Count > Math.Max(_capacity, samples.Count))
            {
                _window.Dequeue();
            }
        }

        _lastSamples = samples;
        _lastComposed = [.. _anchors.Value, .. _window];
        return _lastComposed;
    }
}
