namespace Kcm.DeePEn.Tokenizers;

/// <summary>A token from tokenizer.json's "added_tokens": matched verbatim in text before the model runs.</summary>
public sealed record AddedToken(int Id, string Content, bool Special);
