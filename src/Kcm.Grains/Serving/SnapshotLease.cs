namespace Kcm.Grains.Serving;

/// <summary>
/// The serving snapshot one batch runs on (<see cref="ServingSnapshotHolder.Lease"/>): while held, its models stay
/// undisposed even if a newer version becomes current. Dispose it when the batch is done.
/// </summary>
public readonly struct SnapshotLease : IDisposable
{
    internal SnapshotLease(ServingSnapshot? snapshot) => Snapshot = snapshot;

    /// <summary>The snapshot, or null before this silo loaded its first version.</summary>
    public ServingSnapshot? Snapshot { get; }

    public void Dispose() => Snapshot?.Exit();
}
