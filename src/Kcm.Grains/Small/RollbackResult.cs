namespace Kcm.Grains.Small;

/// <summary>The version made current by a rollback and the one it replaced.</summary>
public sealed record RollbackResult(SmallModelVersion Current, int PreviousVersion);
