namespace Kcm.Contracts;

/// <summary>Body of <c>POST /v1/models/{model}/rollback</c>.</summary>
/// <param name="Version">The version to make current; null means the version before the current one.</param>
public sealed record RollbackRequest(int? Version = null);
