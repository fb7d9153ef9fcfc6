namespace Kcm.Evaluation;

/// <summary>The replayed distillation loop: one round every <see cref="Every"/> teacher records at threshold <see cref="Epsilon"/>.</summary>
public sealed record DistillationReport(string Router, float Epsilon, int Every, IReadOnlyList<DistillationRoundReport> Rounds);
