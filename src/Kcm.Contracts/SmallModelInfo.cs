namespace Kcm.Contracts;

/// <summary>The small model's current version and every version kept for rollback.</summary>
public sealed record SmallModelInfo(int CurrentVersion, SmallModelVersionInfo[] Versions);
