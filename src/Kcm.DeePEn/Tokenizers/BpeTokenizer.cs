using System.Buffers;

namespace Kcm.DeePEn.Tokenizers;

/// <summary>
/// A Hugging Face tokenizer.json with a BPE model of one of the two kinds the ensemble uses: byte-level (GPT-2),
/// encoded and decoded by Microsoft.ML.Tokenizers (<see cref="ByteLevelBpe"/>), or SentencePiece-style with byte
/// fallback (Llama-2's layout, <see cref="SentencePieceBpe"/>). Added tokens are cut out of the text first (longest
/// first) and each stretch between them is encoded on its own, as Hugging Face's tokenizers do. Immutable after
/// loading and safe to share between threads.
/// </summary>
public sealed class BpeTokenizer
{
    private readonly ITokenizerModel _model;
    private readonly string[] _tokens;
    private readonly Dictionary<string, int> _ids;
    private readonly AddedToken[] _addedByLength;
    private readonly SearchValues<char> _addedFirstCharacters;
    private readonly Dictionary<int, AddedToken> _addedById;

    private BpeTokenizer(string source, TokenizerJsonFile file, ITokenizerModel model)
    {
        Source = source;
        Kind = file.Kind;
        AddedTokens = file.AddedTokens;
        _model = model;
        _tokens = file.Tokens;
        _ids = file.Vocabulary;
        _addedByLength = [.. file.AddedTokens.OrderByDescending(a => a.Content.Length)];
        _addedFirstCharacters = SearchValues.Create([.. file.AddedTokens.Select(a => a.Content[0]).Distinct()]);
        _addedById = file.AddedTokens.ToDictionary(a => a.Id);
    }

    /// <summary>The file it was read from ("json" for text).</summary>
    public string Source { get; }

    public TokenizerKind Kind { get; }

    /// <summary>One past the largest token id.</summary>
    public int VocabularySize => _tokens.Length;

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
        var file = TokenizerJsonFile.Read(json, source);
        ITokenizerModel model = file.Kind == TokenizerKind.ByteLevel ? ByteLevelBpe.Create(file, source) : SentencePieceBpe.Create(file);
        return new BpeTokenizer(source, file, model);
    }

    /// <summary>The token ids of <paramref name="text"/> (no beginning-of-sequence token is added).</summary>
    public int[] Encode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var ids = new List<int>(text.Length / 3 + 4);
        var start = 0;
        var position = 0;
        while (position < text.Length && _addedByLength.Length > 0)
        {
            var next = text.AsSpan(position).IndexOfAny(_addedFirstCharacters);
            if (next < 0)
            {
                break;
            }

            position += next;
            if (MatchAddedToken(text.AsSpan(position)) is not { } added)
            {
                position++;
                continue;
            }

            EncodeStretch(text.AsSpan(start, position - start), ids);
            ids.Add(added.Id);
            position += added.Content.Length;
            start = position;
        }

        EncodeStretch(text.AsSpan(start), ids);
        return [.. ids];
    }

    /// <summary>The text of <paramref name="ids"/>; special tokens kept unless <paramref name="skipSpecialTokens"/>.</summary>
    public string Decode(ReadOnlySpan<int> ids, bool skipSpecialTokens = false)
    {
        var kept = ids.Length <= 256 ? stackalloc int[ids.Length] : new int[ids.Length];
        var count = 0;
        foreach (var id in ids)
        {
            if ((uint)id >= (uint)_tokens.Length)
            {
                throw new ArgumentOutOfRangeException(nameof(ids), id, $"Token id {id} is not in the vocabulary of {Source} (size {VocabularySize}).");
            }

            if (!(skipSpecialTokens && _addedById.TryGetValue(id, out var added) && added.Special))
            {
                kept[count++] = id;
            }
        }

        return _model.Decode(kept[..count]);
    }

    /// <summary>The token's string as the vocabulary spells it (e.g. "Ġthe" or "▁the"), or null for an unused id.</summary>
    public string? IdToToken(int id) => (uint)id < (uint)_tokens.Length && _tokens[id].Length > 0 ? _tokens[id] : null;

    public bool TryTokenToId(string token, out int id) => _ids.TryGetValue(token, out id);

    public bool IsAddedToken(int id) => _addedById.ContainsKey(id);

    /// <summary>
    /// The token as text with one word-start marker for every tokenizer kind: "▁" stands for a space (a byte-level
    /// "Ġthe" and a SentencePiece "▁the" both give "▁the"). Null for tokens that are not text of their own: added
    /// and special tokens, byte-fallback tokens, and byte-level tokens holding an incomplete UTF-8 sequence.
    /// </summary>
    public string? NormalizedToken(int id) => _addedById.ContainsKey(id) || IdToToken(id) is null ? null : _model.WordText(id);

    private void EncodeStretch(ReadOnlySpan<char> text, List<int> ids)
    {
        if (!text.IsEmpty)
        {
            _model.Encode(text, ids);
        }
    }

    private AddedToken? MatchAddedToken(ReadOnlySpan<char> text)
    {
        foreach (var added in _addedByLength)
        {
            if (text.StartsWith(added.Content, StringComparison.Ordinal))
            {
                return added;
            }
        }

        return null;
    }
}
