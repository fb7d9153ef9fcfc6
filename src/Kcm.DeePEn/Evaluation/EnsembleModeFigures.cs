namespace Kcm.DeePEn.Evaluation;

/// <summary>One ensemble mode on the test prompts, as <c>modes.&lt;mode&gt;</c> of the eval-ensemble JSON.</summary>
/// <param name="NextWordAccuracy">Share of prompts whose greedy continuation's first word is the target word.</param>
/// <param name="StandardError">Binomial standard error of <paramref name="NextWordAccuracy"/>.</param>
/// <param name="TokensPerSecond">Generated tokens / wall time of decoding (each prompt's forward passes included).</param>
/// <param name="MillisecondsPerTokenAfterPrompt">Mean wall time of a step after the first (one more token once the prompt has run).</param>
/// <param name="FusedStepShare">Share of generated tokens chosen by fusion (0 for main, below 1 only when gated).</param>
/// <param name="RelativeMatrixBytes">Bytes of the relative matrices the mode uses (0 for main).</param>
/// <param name="GeneratedTokens">Tokens generated over all test prompts.</param>
/// <param name="PromptsGainedOverMain">Prompts this mode got right that the main model alone got wrong (paired, same prompts).</param>
/// <param name="PromptsLostToMain">Prompts this mode got wrong that the main model alone got right.</param>
public sealed record EnsembleModeFigures(
    double NextWordAccuracy,
    double StandardError,
    double TokensPerSecond,
    double MillisecondsPerTokenAfterPrompt,
    double FusedStepShare,
    long RelativeMatrixBytes,
    long GeneratedTokens,
    int PromptsGainedOverMain,
    int PromptsLostToMain);
