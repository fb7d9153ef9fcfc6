using Kcm.DeePEn.Ensemble;

namespace Kcm.Grains.Ensemble;

/// <summary>A validated generate request: what <see cref="EnsembleGrain"/> decodes.</summary>
/// <param name="PromptTokens">The prompt in the main model's tokens (tokenised once, when the request is validated).</param>
/// <param name="MaxTokens">Most tokens to generate.</param>
/// <param name="Stops">Stop strings (possibly none).</param>
/// <param name="Mode">The ensemble mode.</param>
internal sealed record GenerationPlan(int[] PromptTokens, int MaxTokens, IReadOnlyList<string> Stops, EnsembleMode Mode);
