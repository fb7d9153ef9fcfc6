namespace Kcm.DeePEn.Ensemble;

/// <summary>A greedy ensemble continuation: the generated text and main-model tokens, and how many steps the fusion changed the main model's own choice.</summary>
public sealed record EnsembleGeneration(string Prompt, string Text, IReadOnlyList<int> Tokens, int StepsChangedByFusion);
