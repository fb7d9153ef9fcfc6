namespace Kcm.DeePEn.Tokenizers;

/// <summary>How a BPE vocabulary marks the start of a word, which decides how its tokens are normalised for anchors.</summary>
public enum TokenizerKind
{
    /// <summary>GPT-2 style: tokens are spelled in the byte-to-unicode alphabet, a leading space shows as "Ġ".</summary>
    ByteLevel,

    /// <summary>SentencePiece style: spaces are "▁" (U+2581), unknown characters fall back to &lt;0xNN&gt; byte tokens.</summary>
    SentencePiece,
}
