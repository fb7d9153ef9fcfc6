using System.Text;
using System.Text.Json;

namespace Kcm.DeePEn.Tokenizers;

/// <summary>
/// A Hugging Face tokenizer.json with a BPE model, byte-level (GPT-2) or SentencePiece-style: added tokens are
/// cut out of the text first, the rest is normalised, pre-tokenized and encoded by merge rank. Immutable after
/// loading and safe to share between threads.
/// </summary>
public sealed class BpeTokenizer
{
    private readonly AddedToken[] _addedByLength;
    private readonly Dictionary<int, AddedToken> _addedById;
    private readonly Dictionary<string, AddedToken> _addedByContent;

    private BpeTokenizer(string source, BpeModel model, TextNormalizer normalizer, PreTokenizer preTokenizer, TokenDecoder decoder, AddedToken[] added)
    {
        Source = source;
        Model = model;
        Normalizer = normalizer;
        PreTokenizer = preTokenizer;
        Decoder = decoder;
        AddedTokens = added;
        _addedByLength = [.. added.Where(a => a.Content.Length > 0).OrderByDescending(a => a.Content.Length)];
        _addedById = added.ToDictionary(a => a.Id);
        _addedByContent = added.GroupBy(a => a.Content, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        VocabularySize = Math.Max(model.Size, added.Length == 0 ? 0 : added.Max(a => a.Id) + 1);
        Kind = preTokenizer.UsesByteLevel ? TokenizerKind.ByteLevel
            : preTokenizer.UsesMetaspace || normalizer.PrependsMetaspace || normalizer.ReplacesSpaceWithMetaspace || model.ByteFallback ? TokenizerKind.SentencePiece
            : TokenizerKind.Plain;
    }

    /// <summary>The file it was read from ("json" for text).</summary>
    public string Source { get; }

    public TokenizerKind Kind { get; }

    /// <summary>One past the largest id of the model vocabulary and the added tokens.</summary>
    public int VocabularySize { get; }

    public BpeModel Model { get; }

    public TextNormalizer Normalizer { get; }

    public PreTokenizer PreTokenizer { get; }

    public TokenDecoder Decoder { get; }

    public IReadOnlyList<AddedToken> AddedTokens { get; }

    /// <summary>Reads a tokenizer.json file; <see cref="TokenizerFormatException"/> when it is malformed or unsupported.</summary>
    public static BpeTokenizer Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var fullPath = Path.GetFullPath(path);
        if (!File.Exists(fullPath))
        {
            throw new FileNotFoundException($"No tokenizer.json at {fullPath}.", fullPath);
        }

        return Parse(File.ReadAllBytes(fullPath), fullPath);
    }

    /// <summary>Reads tokenizer.json text (UTF-8 bytes).</summary>
    public static BpeTokenizer Parse(ReadOnlySpan<byte> json, string source = "json")
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
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("model", out var model))
            {
                throw new TokenizerFormatException(source, "no \"model\" object.");
            }

            try
            {
                return new BpeTokenizer(
                    source,
                    BpeModel.Read(model, source),
                    TextNormalizer.Read(Optional(root, "normalizer"), source),
                    PreTokenizer.Read(Optional(root, "pre_tokenizer"), source),
                    TokenDecoder.Read(Optional(root, "decoder"), source),
                    ReadAddedTokens(root, source));
            }
            catch (Exception error) when (error is InvalidOperationException or FormatException or KeyNotFoundException)
            {
                throw new TokenizerFormatException(source, "a field has the wrong type: " + error.Message, error);
            }
        }
    }

    /// <summary>The token ids of <paramref name="text"/> (no beginning-of-sequence token is added).</summary>
    public int[] Encode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var ids = new List<int>(text.Length / 2 + 4);
        var start = 0;
        var position = 0;
        while (position < text.Length)
        {
            var added = MatchAddedToken(text, position);
            if (added is null)
            {
                position++;
                continue;
            }

            EncodeSegment(text[start..position], atTextStart: start == 0, ids);
            ids.Add(added.Id);
            position += added.Content.Length;
            start = position;
        }

        EncodeSegment(text[start..], atTextStart: start == 0, ids);
        return [.. ids];
    }

    /// <summary>The text of <paramref name="ids"/>, through the tokenizer's decoder; special tokens kept unless <paramref name="skipSpecialTokens"/>.</summary>
    public string Decode(ReadOnlySpan<int> ids, bool skipSpecialTokens = false)
    {
        var tokens = new List<string>(ids.Length);
        foreach (var id in ids)
        {
            if (_addedById.TryGetValue(id, out var added))
            {
                if (!(skipSpecialTokens && added.Special))
                {
                    tokens.Add(added.Content);
                }

                continue;
            }

            tokens.Add(Model.Token(id) ?? throw new ArgumentOutOfRangeException(nameof(ids), id, $"Token id {id} is not in the vocabulary of {Source} (size {VocabularySize})."));
        }

        return Decoder.Decode(tokens);
    }

    /// <summary>The token's string as the vocabulary spells it (e.g. "Ġthe" or "▁the"), or null for an unused id.</summary>
    public string? IdToToken(int id) => _addedById.TryGetValue(id, out var added) ? added.Content : Model.Token(id);

    public bool TryTokenToId(string token, out int id)
    {
        if (_addedByContent.TryGetValue(token, out var added))
        {
            id = added.Id;
            return true;
        }

        return Model.TryGetId(token, out id);
    }

    public bool IsAddedToken(int id) => _addedById.ContainsKey(id);

    /// <summary>
    /// The token as text with one word-start marker for every tokenizer kind: "▁" stands for a space (a byte-level
    /// "Ġthe" and a SentencePiece "▁the" both give "▁the"). Null for tokens that are not text of their own: added
    /// and special tokens, byte-fallback tokens, and byte-level tokens holding an incomplete UTF-8 sequence.
    /// </summary>
    public string? NormalizedToken(int id)
    {
        if (_addedById.ContainsKey(id) || Model.Token(id) is not { Length: > 0 } token)
        {
            return null;
        }

        switch (Kind)
        {
            case TokenizerKind.ByteLevel:
                var bytes = new byte[token.Length];
                for (var i = 0; i < token.Length; i++)
                {
                    if (!ByteLevelAlphabet.TryDecode(token[i], out bytes[i]))
                    {
                        return null;
                    }
                }

                var strict = new UTF8Encoding(false, true);
                try
                {
                    return strict.GetString(bytes).Replace(" ", TokenizerJson.Metaspace, StringComparison.Ordinal);
                }
                catch (DecoderFallbackException)
                {
                    return null;
                }

            case TokenizerKind.SentencePiece:
                return BpeModel.TryParseByteToken(token, out _) ? null : token;
            default:
                return token;
        }
    }

    private void EncodeSegment(string segment, bool atTextStart, List<int> ids)
    {
        if (segment.Length == 0)
        {
            return;
        }

        foreach (var piece in PreTokenizer.Split(Normalizer.Apply(segment), atTextStart))
        {
            Model.Encode(piece, ids);
        }
    }

    private AddedToken? MatchAddedToken(string text, int position)
    {
        foreach (var added in _addedByLength)
        {
            if (string.CompareOrdinal(text, position, added.Content, 0, added.Content.Length) == 0)
            {
                return added;
            }
        }

        return null;
    }

    private static JsonElement Optional(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) ? value : default;

    private static AddedToken[] ReadAddedTokens(JsonElement root, string source)
    {
        if (!root.TryGetProperty("added_tokens", out var list) || list.ValueKind == JsonValueKind.Null)
        {
            return [];
        }

        var tokens = new List<AddedToken>();
        foreach (var item in list.EnumerateArray())
        {
            var id = item.TryGetProperty("id", out var idElement) ? idElement.GetInt32() : throw new TokenizerFormatException(source, "an added token has no id.");
            tokens.Add(new AddedToken(id, TokenizerJson.String(item, "content", source), TokenizerJson.Bool(item, "special", false)));
        }

        return [.. tokens];
    }
}
