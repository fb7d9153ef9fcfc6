namespace Kcm.OrleansCluster.Tests;

/// <summary>One call of the storage-outage load: start and end (seconds since the load began), the rows each route answered, or why it failed.</summary>
public sealed record StorageOutageCall(double Start, double End, int SmallRows, int LargeRows, string? Failure);
