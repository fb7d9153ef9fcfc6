using System.Buffers;
using System.Text.RegularExpressions;
using MlBpeTokenizer = Microsoft.ML.Tokenizers.BpeTokenizer;

namespace Kcm.DeePEn.Tokenizers;

/// <summary>
/// GPT-2's byte-level BPE through Microsoft.ML.Tokenizers' BpeTokenizer, built from tokenizer.json's vocabulary and
/// merges with GPT-2's split (the ByteLevel pre-tokenizer with use_regex): the same ids as Hugging Face's tokenizers.
/// </summary>
internal sealed class ByteLevelBpe : ITokenizerModel
{
    /// <summary>GPT-2's split: contractions, letters, numbers, other symbols, each with an optional leading space; then whitespace.</summary>
    public const string Gpt2Pattern = @"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+";

    private readonly MlBpeTokenizer _library;
    private readonly string[] _tokens;

    private ByteLevelBpe(MlBpeTokenizer library, string[] tokens)
    {
        _library = library;
        _tokens = tokens;
    }

    public static ByteLevelBpe Create(TokenizerJsonFile file, string source)
    {
        try
        {
            return new ByteLevelBpe(MlBpeTokenizer.Create(new Microsoft.ML.Tokenizers.BpeOptions(file.Vocabulary)
            {
                Merges = [.. file.Merges.Select(m => m.Left + " " + m.Right)],
                ByteLevel = true,
                // BpeTokenizer cuts the added tokens out before this model sees the text.
                PreTokenizer = new Microsoft.ML.Tokenizers.RegexPreTokenizer(new Regex(Gpt2Pattern, RegexOptions.Compiled | RegexOptions.CultureInvariant), specialTokens: null),
                SpecialTokens = file.AddedTokens.ToDictionary(a => a.Content, a => a.Id, StringComparer.Ordinal),
            }), file.Tokens);
        }
        catch (Exception error) when (error is InvalidOperationException or ArgumentException)
        {
            throw new TokenizerFormatException(source, "Microsoft.ML.Tokenizers refused the vocabulary or merges: " + error.Message, error);
        }
    }

    public void Encode(ReadOnlySpan<char> text, List<int> ids)
    {
        // The library spells a lone surrogate in UTF-8 as if it were a character; .NET's UTF-8 (and the ids the
        // models were trained on) make it U+FFFD.
        ids.AddRange(_library.EncodeToIds(HasLoneSurrogate(text) ? ReplaceLoneSurrogates(text) : text));
    }

    public string Decode(ReadOnlySpan<int> ids) => _library.Decode(ids.ToArray(), considerSpecialTokens: true);

    public string? WordText(int id)
    {
        // The library writes a token only once its UTF-8 is complete and says how many ids it used: 0 when the bytes
        // stop inside a character, InvalidData when they start inside one. A token has at most one character per byte
        // (tokens over 256 bytes, which no BPE vocabulary here has, would get no text).
        Span<char> text = stackalloc char[Math.Min(_tokens[id].Length, 256)];
        var status = _library.Decode([id], text, considerSpecialTokens: false, out var used, out var written);
        return status == OperationStatus.Done && used == 1
            ? text[..written].ToString().Replace(" ", TokenizerJsonFile.Metaspace, StringComparison.Ordinal)
            : null;
    }

    private static bool HasLoneSurrogate(ReadOnlySpan<char> text)
    {
        var at = text.IndexOfAnyInRange('\uD800', '\uDFFF');
        while (at >= 0)
        {
            if (!char.IsHighSurrogate(text[at]) || at + 1 >= text.Length || !char.IsLowSurrogate(text[at + 1]))
            {
                return true;
            }

            var next = text[(at + 2)..].IndexOfAnyInRange('\uD800', '\uDFFF');
            at = next < 0 ? -1 : at + 2 + next;
        }

        return false;
    }

    private static string ReplaceLoneSurrogates(ReadOnlySpan<char> text)
    {
        var chars = text.ToArray();
        for (var i = 0; i < chars.Length; i++)
        {
            if (char.IsHighSurrogate(chars[i]) && i + 1 < chars.Length && char.IsLowSurrogate(chars[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(chars[i]))
            {
                chars[i] = '\uFFFD';
            }
        }

        return new string(chars);
    }
}
