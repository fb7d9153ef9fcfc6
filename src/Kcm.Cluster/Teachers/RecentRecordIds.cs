namespace Kcm.Cluster.Teachers;

/// <summary>
/// The ids of the most recent teacher records a distiller has used, bounded (oldest forgotten first), so a record a
/// front published twice (its confirm was lost in a broker outage) is used once. Not thread-safe: its owner locks.
/// </summary>
internal sealed class RecentRecordIds(int capacity)
{
    private readonly HashSet<string> _ids = new(StringComparer.Ordinal);
    private readonly Queue<string> _order = new();

    public bool Contains(string id) => _ids.Contains(id);

    public void Add(string id)
    {
        if (!_ids.Add(id))
        {
            return;
        }

        _order.Enqueue(id);
        if (_order.Count > capacity)
        {
            _ids.Remove(_order.Dequeue());
        }
    }
}
