namespace Kcm.Contracts;

/// <summary>Answer to a rollback: the version now current and the one it replaced.</summary>
public sealed record RollbackResponse(string Model, int CurrentVersion, int PreviousVersion);
