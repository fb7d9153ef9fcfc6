namespace Kcm.Cluster.Swaps;

/// <summary>"Version <paramref name="Version"/> of <paramref name="Series"/> is current", as sent on the swap exchange.</summary>
/// <param name="Series">The model store series.</param>
/// <param name="Version">The version every node should serve.</param>
/// <param name="Sha256">The stored bytes' hash; a node refuses to serve a version whose stored hash differs.</param>
/// <param name="Node">The node that made the version current.</param>
public sealed record ModelSwapAnnouncement(string Series, int Version, string Sha256, string Node);
