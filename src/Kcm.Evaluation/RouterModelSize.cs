namespace Kcm.Evaluation;

/// <summary>A trained router model's architecture text and parameter count.</summary>
public sealed record RouterModelSize(string Architecture, int Parameters);
