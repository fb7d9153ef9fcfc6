using Kcm.Core.Distillation;

namespace Kcm.Models.Distillation;

/// <summary>
/// What a distillation round trains on: the labelled seed rows (label term only, so the models keep what they learned
/// from them) plus a bounded window of the most recent teacher records, not only the round's new ones (a round on a
/// few thousand fresh records alone overfits them and its candidates fail the check). Shared by the small-model and
/// judge trainers of one distiller, whose rounds run one at a time; both trainers of a round get the same list.
/// </summary>
public sealed class TeacherReplay
{
    private readonly Lazy<TeacherRecord[]> _anchors;
    private readonly Queue<TeacherRecord> _window = new();
    private readonly int _capacity;
    private IReadOnlyList<TeacherRecord>? _lastRound;
    private TeacherRecord[] _lastComposed = [];

    /// <param name="anchors">Makes the labelled rows that ride along in every round; called at the first round, so a
    /// silo that never distils holds no copy of them.</param>
    /// <param name="capacity">Most recent teacher records kept; 0 trains on each round's records alone.</param>
    public TeacherReplay(Func<TeacherRecord[]> anchors, int capacity)
    {
        ArgumentNullException.ThrowIfNull(anchors);
        ArgumentOutOfRangeException.ThrowIfNegative(capacity);
        _anchors = new Lazy<TeacherRecord[]>(anchors);
        _capacity = capacity;
    }

    /// <summary>The anchors, the window before this round, and this round's records (added to the window once per round).</summary>
    public IReadOnlyList<TeacherRecord> RecordsFor(IReadOnlyList<TeacherRecord> round)
    {
        ArgumentNullException.ThrowIfNull(round);
        if (ReferenceEquals(round, _lastRound))
        {
            return _lastComposed;
        }

        foreach (var record in round)
        {
            _window.Enqueue(record);
        }

        // A round smaller than the last one shrinks a window kept at the last round's size (capacity 0 means this round alone).
        while (_window.Count > Math.Max(_capacity, round.Count))
        {
            _window.Dequeue();
        }

        _lastRound = round;
        _lastComposed = [.. _anchors.Value, .. _window];
        return _lastComposed;
    }
}
