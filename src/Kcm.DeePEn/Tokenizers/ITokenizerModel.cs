namespace Kcm.DeePEn.Tokenizers;

/// <summary>What a tokenizer kind does with the text between added tokens, and with ids back to text.</summary>
internal interface ITokenizerModel
{
    /// <summary>Appends the ids of <paramref name="text"/> (no added token inside it) to <paramref name="ids"/>.</summary>
    void Encode(ReadOnlySpan<char> text, List<int> ids);

    /// <summary>The text of valid ids; an added token's id gives its content.</summary>
    string Decode(ReadOnlySpan<int> ids);

    /// <summary>
    /// The token's text with "▁" for a space, or null when the token is not text of its own (a byte-fallback token,
    /// or a byte-level token holding an incomplete UTF-8 sequence).
    /// </summary>
    string? WordText(int id);
}
