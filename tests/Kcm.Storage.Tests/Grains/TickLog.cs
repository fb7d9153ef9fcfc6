using System.Collections.Concurrent;

namespace Kcm.Storage.Tests.Grains;

/// <summary>
/// Where reminder probes record their ticks. One instance is shared by every silo a test starts in its process, so
/// the test sees ticks wherever Orleans activated the grain.
/// </summary>
public sealed class TickLog
{
    private readonly ConcurrentQueue<ReminderTick> _ticks = new();

    public void Record(ReminderTick tick) => _ticks.Enqueue(tick);

    /// <summary>The ticks of grain <paramref name="grainKey"/> so far, in arrival order.</summary>
    public IReadOnlyList<ReminderTick> Of(string grainKey) => [.. _ticks.Where(t => t.GrainKey == grainKey)];
}
