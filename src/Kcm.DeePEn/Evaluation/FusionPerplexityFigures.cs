namespace Kcm.DeePEn.Evaluation;

/// <summary>The main model's held-out perplexity per own token at the same teacher-forced positions, without and with fusion.</summary>
/// <param name="MainModel">The model whose tokens are predicted.</param>
/// <param name="Mode">The fusion's weights ("avg").</param>
/// <param name="Passages">Test passages scored.</param>
/// <param name="Positions">Main-model tokens predicted.</param>
/// <param name="WithoutFusion">exp(mean NLL of the true token under softmax of the main model's logits).</param>
/// <param name="WithFusion">exp(mean NLL of the true token under softmax of the inverse search's updated logits).</param>
public sealed record FusionPerplexityFigures(string MainModel, string Mode, int Passages, int Positions, double WithoutFusion, double WithFusion);
