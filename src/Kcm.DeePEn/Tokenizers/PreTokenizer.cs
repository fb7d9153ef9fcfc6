using System.Text.Json;
using System.Text.RegularExpressions;

namespace Kcm.DeePEn.Tokenizers;

/// <summary>
/// tokenizer.json's "pre_tokenizer": splits normalised text into pieces that BPE encodes one at a time.
/// Supported: ByteLevel (GPT-2 regex, byte-to-unicode alphabet), Metaspace, Split (Isolated, Removed,
/// MergedWithPrevious, MergedWithNext), Digits, Sequence; absent means the whole text is one piece.
/// </summary>
public sealed class PreTokenizer
{
    /// <summary>GPT-2's split: contractions, letters, numbers, other symbols, each with an optional leading space; then whitespace.</summary>
    public const string Gpt2Pattern = @"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+";

    private static readonly Regex Gpt2Regex = new(Gpt2Pattern, RegexOptions.CultureInvariant | RegexOptions.Compiled);

    private readonly Func<List<string>, bool, List<string>>[] _steps;

    private PreTokenizer(Func<List<string>, bool, List<string>>[] steps)
    {
        _steps = steps;
    }

    public bool UsesByteLevel { get; private init; }

    public bool UsesMetaspace { get; private init; }

    /// <summary>Whether a Metaspace step prepends "▁" to the text (prepend_scheme always or first).</summary>
    public bool PrependsMetaspace { get; private init; }

    /// <summary>The pieces of <paramref name="text"/>; <paramref name="atTextStart"/> is false for text that follows an added token.</summary>
    public List<string> Split(string text, bool atTextStart)
    {
        var pieces = new List<string> { text };
        foreach (var step in _steps)
        {
            pieces = step(pieces, atTextStart);
        }

        pieces.RemoveAll(p => p.Length == 0);
        return pieces;
    }

    internal static PreTokenizer Read(JsonElement element, string source)
    {
        var steps = new List<Func<List<string>, bool, List<string>>>();
        var byteLevel = false;
        var metaspace = false;
        var prepends = false;
        if (element.ValueKind is not (JsonValueKind.Null or JsonValueKind.Undefined))
        {
            Add(element);
        }

        return new PreTokenizer([.. steps]) { UsesByteLevel = byteLevel, UsesMetaspace = metaspace, PrependsMetaspace = prepends };

        void Add(JsonElement step)
        {
            var type = TokenizerJson.Type(step, source, "pre_tokenizer");
            switch (type)
            {
                case "Sequence":
                    foreach (var inner in TokenizerJson.Array(step, "pretokenizers", source))
                    {
                        Add(inner);
                    }

                    break;
                case "ByteLevel":
                    byteLevel = true;
                    var useRegex = TokenizerJson.Bool(step, "use_regex", true);
                    var addPrefixSpace = TokenizerJson.Bool(step, "add_prefix_space", false);
                    steps.Add((pieces, atStart) => ByteLevel(pieces, atStart, useRegex, addPrefixSpace));
                    break;
                case "Metaspace":
                    metaspace = true;
                    var replacement = TokenizerJson.String(step, "replacement", source);
                    var scheme = ReadPrependScheme(step);
                    prepends |= scheme != "never";
                    var split = TokenizerJson.Bool(step, "split", true);
                    steps.Add((pieces, atStart) => Metaspace(pieces, atStart, replacement, scheme, split));
                    break;
                case "Split":
                    var pattern = TokenizerJson.Pattern(step, source);
                    var behavior = TokenizerJson.String(step, "behavior", source);
                    if (TokenizerJson.Bool(step, "invert", false) || behavior is not ("Isolated" or "Removed" or "MergedWithPrevious" or "MergedWithNext"))
                    {
                        throw new TokenizerFormatException(source, $"Split with behavior '{behavior}' (or invert) is not supported.");
                    }

                    steps.Add((pieces, _) => SplitBy(pieces, pattern, behavior));
                    break;
                case "Digits":
                    var individual = TokenizerJson.Bool(step, "individual_digits", false);
                    var digits = new Regex(individual ? @"\p{N}" : @"\p{N}+", RegexOptions.CultureInvariant);
                    steps.Add((pieces, _) => SplitBy(pieces, digits, "Isolated"));
                    break;
                default:
                    throw new TokenizerFormatException(source, $"pre_tokenizer type '{type}' is not supported.");
            }
        }
    }

    /// <summary>Newer files say prepend_scheme; older ones add_prefix_space (true meaning always).</summary>
    internal static string ReadPrependScheme(JsonElement step) =>
        step.TryGetProperty("prepend_scheme", out var scheme) && scheme.ValueKind == JsonValueKind.String
            ? scheme.GetString()!
            : TokenizerJson.Bool(step, "add_prefix_space", true) ? "always" : "never";

    private static List<string> ByteLevel(List<string> pieces, bool atStart, bool useRegex, bool addPrefixSpace)
    {
        var result = new List<string>(pieces.Count * 4);
        for (var p = 0; p < pieces.Count; p++)
        {
            var piece = pieces[p];
            if (addPrefixSpace && atStart && p == 0 && piece.Length > 0 && !char.IsWhiteSpace(piece[0]))
            {
                piece = " " + piece;
            }

            if (!useRegex)
            {
                result.Add(ByteLevelAlphabet.EncodeText(piece));
                continue;
            }

            foreach (var match in Gpt2Regex.EnumerateMatches(piece))
            {
                result.Add(ByteLevelAlphabet.EncodeText(piece.AsSpan(match.Index, match.Length)));
            }
        }

        return result;
    }

    private static List<string> Metaspace(List<string> pieces, bool atStart, string replacement, string scheme, bool split)
    {
        var result = new List<string>(pieces.Count);
        for (var p = 0; p < pieces.Count; p++)
        {
            var piece = pieces[p].Replace(" ", replacement, StringComparison.Ordinal);
            var prepend = scheme == "always" || (scheme == "first" && atStart && p == 0);
            if (prepend && piece.Length > 0 && !piece.StartsWith(replacement, StringComparison.Ordinal))
            {
                piece = replacement + piece;
            }

            if (!split)
            {
                result.Add(piece);
                continue;
            }

            // Each piece starts at a marker (the marker is merged with the word after it).
            var start = 0;
            for (var i = 1; i <= piece.Length; i++)
            {
                if (i == piece.Length || string.CompareOrdinal(piece, i, replacement, 0, replacement.Length) == 0)
                {
                    result.Add(piece[start..i]);
                    start = i;
                }
            }
        }

        return result;
    }

    private static List<string> SplitBy(List<string> pieces, Regex pattern, string behavior)
    {
        var result = new List<string>(pieces.Count * 2);
        foreach (var piece in pieces)
        {
            var last = 0;
            var carry = string.Empty;
            foreach (var match in pattern.EnumerateMatches(piece))
            {
                if (match.Length == 0)
                {
                    continue;
                }

                var gap = piece[last..match.Index];
                var hit = piece.Substring(match.Index, match.Length);
                switch (behavior)
                {
                    case "Isolated":
                        result.Add(gap);
                        result.Add(hit);
                        break;
                    case "Removed":
                        result.Add(gap);
                        break;
                    case "MergedWithPrevious":
                        result.Add(gap + hit);
                        break;
                    default:
                        result.Add(carry + gap);
                        carry = hit;
                        break;
                }

                last = match.Index + match.Length;
            }

            result.Add(carry + piece[last..]);
        }

        return result;
    }
}
