namespace Kcm.DeePEn.Evaluation;

/// <summary>One model's figures: in its own vocabulary (bits per byte, next-token accuracy) and, as a single model, in the main model's vocabulary.</summary>
/// <param name="Name">The model folder's name.</param>
/// <param name="Tokenizer">byte-level or SentencePiece-style.</param>
/// <param name="Vocabulary">Tokens in its vocabulary.</param>
/// <param name="DevelopmentBitsPerByte">Cross-entropy per UTF-8 byte on the development passages (chooses the main model).</param>
/// <param name="TestBitsPerByte">The same on the test passages.</param>
/// <param name="TestPerplexityPerToken">Perplexity per own token on the test passages.</param>
/// <param name="TestOwnAccuracy">Next-token accuracy on its own tokenisation of the test passages.</param>
/// <param name="DevelopmentAccuracy">Next-token accuracy in the main model's vocabulary on the development positions (DeePEn-Adapt's score).</param>
/// <param name="TestAccuracy">Next-token accuracy in the main model's vocabulary on the test positions.</param>
/// <param name="AdaptiveWeight">Its DeePEn-Adapt weight.</param>
public sealed record MemberFigures(
    string Name,
    string Tokenizer,
    int Vocabulary,
    double DevelopmentBitsPerByte,
    double TestBitsPerByte,
    double TestPerplexityPerToken,
    double TestOwnAccuracy,
    double DevelopmentAccuracy,
    double TestAccuracy,
    double AdaptiveWeight);
