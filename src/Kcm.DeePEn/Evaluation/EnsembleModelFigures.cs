namespace Kcm.DeePEn.Evaluation;

/// <summary>One model decoding alone (its own tokenizer, greedy), as <c>models.&lt;name&gt;</c> of the eval-ensemble JSON.</summary>
/// <param name="Tokenizer">byte-level or SentencePiece-style BPE.</param>
/// <param name="Vocabulary">Tokens in its vocabulary.</param>
/// <param name="DevelopmentNextWordAccuracy">Next-word accuracy on the development prompts (chooses the main model; DeePEn-Adapt's score).</param>
/// <param name="AdaptiveWeight">Its DeePEn-Adapt weight: the development accuracies normalised to sum to 1.</param>
/// <param name="NextWordAccuracy">Next-word accuracy on the test prompts.</param>
/// <param name="StandardError">Binomial standard error of <paramref name="NextWordAccuracy"/>.</param>
/// <param name="Perplexity">Held-out perplexity per own token (teacher forced, full passages).</param>
/// <param name="BitsPerByte">The same cross-entropy per UTF-8 byte (comparable across tokenizers).</param>
/// <param name="TokensPerSecond">Generated tokens per second of decoding wall time on the test prompts.</param>
public sealed record EnsembleModelFigures(
    string Tokenizer,
    int Vocabulary,
    double DevelopmentNextWordAccuracy,
    double AdaptiveWeight,
    double NextWordAccuracy,
    double StandardError,
    double Perplexity,
    double BitsPerByte,
    double TokensPerSecond);
