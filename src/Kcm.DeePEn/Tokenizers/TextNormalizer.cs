using System.Text;
using System.Text.Json;

namespace Kcm.DeePEn.Tokenizers;

/// <summary>tokenizer.json's "normalizer": Sequence, Prepend, Replace, NFC/NFD/NFKC/NFKD, Lowercase, Strip.</summary>
public sealed class TextNormalizer
{
    private readonly Func<string, string>[] _steps;

    private TextNormalizer(Func<string, string>[] steps)
    {
        _steps = steps;
    }

    /// <summary>Whether the normaliser prepends a "▁" (SentencePiece style).</summary>
    public bool PrependsMetaspace { get; private init; }

    public bool ReplacesSpaceWithMetaspace { get; private init; }

    public string Apply(string text)
    {
        foreach (var step in _steps)
        {
            text = step(text);
        }

        return text;
    }

    internal static TextNormalizer Read(JsonElement element, string source)
    {
        var steps = new List<Func<string, string>>();
        var prepends = false;
        var replaces = false;
        if (element.ValueKind is not (JsonValueKind.Null or JsonValueKind.Undefined))
        {
            Add(element);
        }

        return new TextNormalizer([.. steps]) { PrependsMetaspace = prepends, ReplacesSpaceWithMetaspace = replaces };

        void Add(JsonElement step)
        {
            var type = TokenizerJson.Type(step, source, "normalizer");
            switch (type)
            {
                case "Sequence":
                    foreach (var inner in TokenizerJson.Array(step, "normalizers", source))
                    {
                        Add(inner);
                    }

                    break;
                case "Prepend":
                    var prefix = TokenizerJson.String(step, "prepend", source);
                    prepends |= prefix == TokenizerJson.Metaspace;
                    // As the reference library does: nothing is prepended to empty text.
                    steps.Add(text => text.Length == 0 ? text : prefix + text);
                    break;
                case "Replace":
                    var replace = TokenizerJson.Pattern(step, source);
                    var content = TokenizerJson.String(step, "content", source);
                    replaces |= content == TokenizerJson.Metaspace && step.GetProperty("pattern").TryGetProperty("String", out var s) && s.GetString() == " ";
                    steps.Add(text => replace.Replace(text, content));
                    break;
                case "NFC":
                    steps.Add(text => text.Normalize(NormalizationForm.FormC));
                    break;
                case "NFD":
                    steps.Add(text => text.Normalize(NormalizationForm.FormD));
                    break;
                case "NFKC":
                    steps.Add(text => text.Normalize(NormalizationForm.FormKC));
                    break;
                case "NFKD":
                    steps.Add(text => text.Normalize(NormalizationForm.FormKD));
                    break;
                case "Lowercase":
                    steps.Add(text => text.ToLowerInvariant());
                    break;
                case "Strip":
                    var left = TokenizerJson.Bool(step, "strip_left", true);
                    var right = TokenizerJson.Bool(step, "strip_right", true);
                    steps.Add(text => left && right ? text.Trim() : left ? text.TrimStart() : right ? text.TrimEnd() : text);
                    break;
                default:
                    throw new TokenizerFormatException(source, $"normalizer type '{type}' is not supported.");
            }
        }
    }
}
