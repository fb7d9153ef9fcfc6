using System.Text;
using System.Text.Json;

namespace Kcm.DeePEn.Tokenizers;

/// <summary>
/// tokenizer.json's "decoder": turns token strings back into text. Each step maps the list of token strings to a
/// new list, as the reference library chains them: ByteLevel, Metaspace, Replace, ByteFallback, Fuse, Strip, Sequence.
/// </summary>
public sealed class TokenDecoder
{
    private readonly Func<List<string>, List<string>>[] _steps;

    private TokenDecoder(Func<List<string>, List<string>>[] steps)
    {
        _steps = steps;
    }

    public string Decode(List<string> tokens)
    {
        foreach (var step in _steps)
        {
            tokens = step(tokens);
        }

        return string.Concat(tokens);
    }

    internal static TokenDecoder Read(JsonElement element, string source)
    {
        var steps = new List<Func<List<string>, List<string>>>();
        if (element.ValueKind is not (JsonValueKind.Null or JsonValueKind.Undefined))
        {
            Add(element);
        }

        return new TokenDecoder([.. steps]);

        void Add(JsonElement step)
        {
            var type = TokenizerJson.Type(step, source, "decoder");
            switch (type)
            {
                case "Sequence":
                    foreach (var inner in TokenizerJson.Array(step, "decoders", source))
                    {
                        Add(inner);
                    }

                    break;
                case "ByteLevel":
                    steps.Add(ByteLevel);
                    break;
                case "Metaspace":
                    var replacement = TokenizerJson.String(step, "replacement", source);
                    var strip = PreTokenizer.ReadPrependScheme(step) != "never";
                    steps.Add(tokens => Metaspace(tokens, replacement, strip));
                    break;
                case "Replace":
                    var pattern = TokenizerJson.Pattern(step, source);
                    var content = TokenizerJson.String(step, "content", source);
                    steps.Add(tokens => tokens.ConvertAll(t => pattern.Replace(t, content)));
                    break;
                case "ByteFallback":
                    steps.Add(ByteFallback);
                    break;
                case "Fuse":
                    steps.Add(tokens => [string.Concat(tokens)]);
                    break;
                case "Strip":
                    var character = TokenizerJson.String(step, "content", source);
                    var start = TokenizerJson.Int(step, "start", 0);
                    var stop = TokenizerJson.Int(step, "stop", 0);
                    steps.Add(tokens => tokens.ConvertAll(t => Strip(t, character, start, stop)));
                    break;
                default:
                    throw new TokenizerFormatException(source, $"decoder type '{type}' is not supported.");
            }
        }
    }

    /// <summary>All token characters back to bytes (characters outside the alphabet give their own UTF-8), decoded leniently.</summary>
    private static List<string> ByteLevel(List<string> tokens)
    {
        var bytes = new List<byte>();
        Span<byte> utf8 = stackalloc byte[4];
        foreach (var token in tokens)
        {
            foreach (var rune in token.EnumerateRunes())
            {
                if (rune.IsBmp && ByteLevelAlphabet.TryDecode((char)rune.Value, out var value))
                {
                    bytes.Add(value);
                }
                else
                {
                    var count = rune.EncodeToUtf8(utf8);
                    for (var i = 0; i < count; i++)
                    {
                        bytes.Add(utf8[i]);
                    }
                }
            }
        }

        return [Encoding.UTF8.GetString([.. bytes])];
    }

    private static List<string> Metaspace(List<string> tokens, string replacement, bool stripFirst)
    {
        var result = new List<string>(tokens.Count);
        for (var i = 0; i < tokens.Count; i++)
        {
            var text = tokens[i].Replace(replacement, " ", StringComparison.Ordinal);
            if (i == 0 && stripFirst && text.StartsWith(' '))
            {
                text = text[1..];
            }

            result.Add(text);
        }

        return result;
    }

    /// <summary>Runs of &lt;0xNN&gt; tokens become their UTF-8 text; an invalid run becomes one U+FFFD per byte.</summary>
    private static List<string> ByteFallback(List<string> tokens)
    {
        var result = new List<string>(tokens.Count);
        var pending = new List<byte>();
        foreach (var token in tokens)
        {
            if (BpeModel.TryParseByteToken(token, out var value))
            {
                pending.Add(value);
                continue;
            }

            Flush();
            result.Add(token);
        }

        Flush();
        return result;

        void Flush()
        {
            if (pending.Count > 0)
            {
                result.Add(BpeModel.Utf8OrReplacement([.. pending]));
                pending.Clear();
            }
        }
    }

    private static string Strip(string token, string character, int start, int stop)
    {
        var from = 0;
        for (var removed = 0; removed < start && from + character.Length <= token.Length && string.CompareOrdinal(token, from, character, 0, character.Length) == 0; removed++)
        {
            from += character.Length;
        }

        var to = token.Length;
        for (var removed = 0; removed < stop && to - character.Length >= from && string.CompareOrdinal(token, to - character.Length, character, 0, character.Length) == 0; removed++)
        {
            to -= character.Length;
        }

        return token[from..to];
    }
}
