using System.Text.Json;

namespace Kcm.DeePEn.Tokenizers;

/// <summary>
/// What <see cref="BpeTokenizer"/> needs from a Hugging Face tokenizer.json: the vocabulary, the merges, the added
/// tokens and which of the two supported layouts the file has. Anything else is refused with a
/// <see cref="TokenizerFormatException"/> that names the part, never read as something it is not.
/// </summary>
internal sealed class TokenizerJsonFile
{
    /// <summary>SentencePiece's word-start marker, U+2581.</summary>
    public const string Metaspace = "\u2581";

    private TokenizerJsonFile(TokenizerKind kind, Dictionary<string, int> vocabulary, string[] tokens, List<(string Left, string Right)> merges, AddedToken[] addedTokens)
    {
        Kind = kind;
        Vocabulary = vocabulary;
        Tokens = tokens;
        Merges = merges;
        AddedTokens = addedTokens;
    }

    public TokenizerKind Kind { get; }

    public Dictionary<string, int> Vocabulary { get; }

    /// <summary>The vocabulary by id (empty for an id no token has).</summary>
    public string[] Tokens { get; }

    /// <summary>Merges in rank order; each names tokens of the vocabulary, and its joined text is one too.</summary>
    public List<(string Left, string Right)> Merges { get; }

    public AddedToken[] AddedTokens { get; }

    public static TokenizerJsonFile Read(ReadOnlySpan<byte> json, string source)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json.ToArray(), new JsonDocumentOptions { MaxDepth = 256 });
        }
        catch (JsonException error)
        {
            throw new TokenizerFormatException(source, "not valid JSON: " + error.Message, error);
        }

        using (document)
        {
            try
            {
                return Read(document.RootElement, source);
            }
            catch (Exception error) when (error is InvalidOperationException or FormatException or KeyNotFoundException)
            {
                throw new TokenizerFormatException(source, "a field has the wrong type: " + error.Message, error);
            }
        }
    }

    private static TokenizerJsonFile Read(JsonElement root, string source)
    {
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("model", out var model) || model.ValueKind != JsonValueKind.Object)
        {
            throw new TokenizerFormatException(source, "no \"model\" object.");
        }

        var type = model.TryGetProperty("type", out var t) ? t.GetString() : "BPE";
        if (type != "BPE")
        {
            throw new TokenizerFormatException(source, $"model type '{type}' is not supported (only BPE).");
        }

        foreach (var unsupported in (string[])["continuing_subword_prefix", "end_of_word_suffix", "dropout"])
        {
            if (model.TryGetProperty(unsupported, out var value) && value.ValueKind is not (JsonValueKind.Null or JsonValueKind.Undefined)
                && !(value.ValueKind == JsonValueKind.String && value.GetString()!.Length == 0))
            {
                throw new TokenizerFormatException(source, $"BPE option '{unsupported}' is not supported.");
            }
        }

        if (Flag(model, "ignore_merges"))
        {
            throw new TokenizerFormatException(source, "BPE option 'ignore_merges' is not supported.");
        }

        var vocabulary = ReadVocabulary(model, source);
        var tokens = new string[vocabulary.Count == 0 ? 0 : vocabulary.Values.Max() + 1];
        Array.Fill(tokens, string.Empty);
        foreach (var (token, id) in vocabulary)
        {
            tokens[id] = tokens[id].Length == 0 ? token : throw new TokenizerFormatException(source, $"tokens '{tokens[id]}' and '{token}' share id {id}.");
        }

        var merges = ReadMerges(model, vocabulary, source);
        var added = ReadAddedTokens(root, tokens, source);
        var kind = ReadKind(root, model, vocabulary, source);
        return new TokenizerJsonFile(kind, vocabulary, tokens, merges, added);
    }

    /// <summary>
    /// The two layouts the ensemble's models use, exactly: GPT-2's byte-level BPE, and Llama-2's SentencePiece-style
    /// BPE with byte fallback.
    /// </summary>
    private static TokenizerKind ReadKind(JsonElement root, JsonElement model, Dictionary<string, int> vocabulary, string source)
    {
        var normalizer = Optional(root, "normalizer");
        var preTokenizer = Optional(root, "pre_tokenizer");
        if (Type(preTokenizer) == "ByteLevel")
        {
            if (!Flag(preTokenizer, "use_regex", true) || Flag(preTokenizer, "add_prefix_space"))
            {
                throw new TokenizerFormatException(source, "a ByteLevel pre_tokenizer needs use_regex on and add_prefix_space off.");
            }

            if (normalizer.ValueKind != JsonValueKind.Undefined || Type(Optional(root, "decoder")) != "ByteLevel"
                || Flag(model, "byte_fallback") || Optional(model, "unk_token").ValueKind != JsonValueKind.Undefined)
            {
                throw new TokenizerFormatException(source, "a byte-level tokenizer needs no normalizer, a ByteLevel decoder, no byte_fallback and no unk_token.");
            }

            return TokenizerKind.ByteLevel;
        }

        if (preTokenizer.ValueKind != JsonValueKind.Undefined)
        {
            throw new TokenizerFormatException(source, $"pre_tokenizer {preTokenizer.GetRawText()} is not supported (only ByteLevel, or none with a SentencePiece-style normalizer).");
        }

        if (!IsSentencePieceNormalizer(normalizer) || !IsSentencePieceDecoder(Optional(root, "decoder")))
        {
            throw new TokenizerFormatException(source, "without a ByteLevel pre_tokenizer only the SentencePiece-style layout is supported: normalizer Prepend(\"▁\") + Replace(\" \", \"▁\"), decoder Replace(\"▁\", \" \") + ByteFallback + Fuse + Strip(\" \", 1, 0).");
        }

        if (!Flag(model, "byte_fallback") || !vocabulary.TryGetValue("<0x00>", out var firstByte))
        {
            throw new TokenizerFormatException(source, "a SentencePiece-style tokenizer needs byte_fallback and the tokens <0x00>..<0xFF>.");
        }

        for (var b = 0; b < 256; b++)
        {
            if (!vocabulary.TryGetValue($"<0x{b:X2}>", out var id) || id != firstByte + b)
            {
                throw new TokenizerFormatException(source, "byte_fallback needs <0x00>..<0xFF> at consecutive ids.");
            }
        }

        return TokenizerKind.SentencePiece;
    }

    private static bool IsSentencePieceNormalizer(JsonElement normalizer) =>
        Type(normalizer) == "Sequence" && normalizer.TryGetProperty("normalizers", out var steps) && steps.ValueKind == JsonValueKind.Array
        && steps.GetArrayLength() == 2
        && Type(steps[0]) == "Prepend" && Text(steps[0], "prepend") == Metaspace
        && Type(steps[1]) == "Replace" && PatternString(steps[1]) == " " && Text(steps[1], "content") == Metaspace;

    private static bool IsSentencePieceDecoder(JsonElement decoder) =>
        Type(decoder) == "Sequence" && decoder.TryGetProperty("decoders", out var steps) && steps.ValueKind == JsonValueKind.Array
        && steps.GetArrayLength() == 4
        && Type(steps[0]) == "Replace" && PatternString(steps[0]) == Metaspace && Text(steps[0], "content") == " "
        && Type(steps[1]) == "ByteFallback"
        && Type(steps[2]) == "Fuse"
        && Type(steps[3]) == "Strip" && Text(steps[3], "content") == " " && Number(steps[3], "start") == 1 && Number(steps[3], "stop") == 0;

    private static Dictionary<string, int> ReadVocabulary(JsonElement model, string source)
    {
        if (!model.TryGetProperty("vocab", out var vocab) || vocab.ValueKind != JsonValueKind.Object)
        {
            throw new TokenizerFormatException(source, "model.vocab is missing or not an object.");
        }

        var vocabulary = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var entry in vocab.EnumerateObject())
        {
            var id = entry.Value.GetInt32();
            if (id < 0)
            {
                throw new TokenizerFormatException(source, $"token '{entry.Name}' has a negative id {id}.");
            }

            vocabulary[entry.Name] = id;
        }

        return vocabulary;
    }

    private static List<(string Left, string Right)> ReadMerges(JsonElement model, Dictionary<string, int> vocabulary, string source)
    {
        var merges = new List<(string Left, string Right)>();
        if (!model.TryGetProperty("merges", out var list) || list.ValueKind == JsonValueKind.Null)
        {
            return merges;
        }

        if (list.ValueKind != JsonValueKind.Array)
        {
            throw new TokenizerFormatException(source, "model.merges is not an array.");
        }

        var seen = new HashSet<(string, string)>();
        foreach (var item in list.EnumerateArray())
        {
            // Two serialisations exist: "left right" strings (older files) and ["left", "right"] pairs (newer).
            string left;
            string right;
            if (item.ValueKind == JsonValueKind.String && item.GetString()!.IndexOf(' ', 1) is var space and > 0)
            {
                left = item.GetString()![..space];
                right = item.GetString()![(space + 1)..];
            }
            else if (item.ValueKind == JsonValueKind.Array && item.GetArrayLength() == 2)
            {
                left = item[0].GetString() ?? string.Empty;
                right = item[1].GetString() ?? string.Empty;
            }
            else
            {
                throw new TokenizerFormatException(source, $"merge {merges.Count} {item.GetRawText()} is neither \"left right\" nor a pair of strings.");
            }

            if (!vocabulary.ContainsKey(left) || !vocabulary.ContainsKey(right) || !vocabulary.ContainsKey(left + right))
            {
                throw new TokenizerFormatException(source, $"merge {merges.Count} ('{left}', '{right}') names a token that is not in the vocabulary.");
            }

            // Microsoft.ML.Tokenizers takes merges as "left right" and refuses a repeated pair.
            if (left.Contains(' ', StringComparison.Ordinal) || right.Contains(' ', StringComparison.Ordinal) || !seen.Add((left, right)))
            {
                throw new TokenizerFormatException(source, $"merge {merges.Count} ('{left}', '{right}') holds a space or repeats an earlier merge (not supported).");
            }

            merges.Add((left, right));
        }

        return merges;
    }

    /// <summary>Added tokens must be vocabulary entries (same id, same text), as the trainers write them.</summary>
    private static AddedToken[] ReadAddedTokens(JsonElement root, string[] tokens, string source)
    {
        if (!root.TryGetProperty("added_tokens", out var list) || list.ValueKind == JsonValueKind.Null)
        {
            return [];
        }

        var added = new List<AddedToken>();
        foreach (var item in list.EnumerateArray())
        {
            var id = item.TryGetProperty("id", out var idElement) ? idElement.GetInt32() : throw new TokenizerFormatException(source, "an added token has no id.");
            var content = item.TryGetProperty("content", out var c) && c.ValueKind == JsonValueKind.String && c.GetString()!.Length > 0
                ? c.GetString()!
                : throw new TokenizerFormatException(source, $"added token {id} has no content.");
            if ((uint)id >= (uint)tokens.Length || tokens[id] != content)
            {
                throw new TokenizerFormatException(source, $"added token '{content}' (id {id}) is not the vocabulary's token {id}.");
            }

            added.Add(new AddedToken(id, content, Flag(item, "special")));
        }

        return [.. added];
    }

    /// <summary>The member, or an Undefined element when it is missing or null.</summary>
    private static JsonElement Optional(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null ? value : default;

    private static string? Type(JsonElement element) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.String ? type.GetString() : null;

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static int? Number(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetInt32() : null;

    private static string? PatternString(JsonElement element) =>
        element.TryGetProperty("pattern", out var pattern) && pattern.ValueKind == JsonValueKind.Object ? Text(pattern, "String") : null;

    private static bool Flag(JsonElement element, string name, bool fallback = false) =>
        element.TryGetProperty(name, out var value) && value.ValueKind is JsonValueKind.True or JsonValueKind.False ? value.GetBoolean() : fallback;
}
