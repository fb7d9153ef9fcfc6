using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Kcm.DeePEn.Tokenizers;

/// <summary>
/// The "model" part of a tokenizer.json of type BPE: the vocabulary, merges ranked by their order in the file, and
/// what to do with a character outside the vocabulary (byte fallback to &lt;0xNN&gt;, or the unknown token).
/// </summary>
public sealed class BpeModel
{
    private const int Removed = int.MinValue;

    private readonly Dictionary<string, int> _vocabulary;
    private readonly Dictionary<int, int> _singleCharacterIds;
    private readonly string[] _tokens;

    // Key: (left id << 32) | right id. Value: (rank, merged id).
    private readonly Dictionary<long, (int Rank, int Merged)> _merges;
    private readonly int[] _byteTokens;
    private readonly int _unknownId;
    private readonly bool _fuseUnknown;
    private readonly bool _ignoreMerges;

    private BpeModel(Dictionary<string, int> vocabulary, string[] tokens, Dictionary<long, (int, int)> merges, int[] byteTokens, int unknownId, bool fuseUnknown, bool ignoreMerges)
    {
        _vocabulary = vocabulary;
        _tokens = tokens;
        // Single-character tokens by code point, so splitting a piece into characters allocates no strings.
        _singleCharacterIds = [];
        foreach (var (token, id) in vocabulary)
        {
            if (Rune.DecodeFromUtf16(token, out var rune, out var used) == System.Buffers.OperationStatus.Done && used == token.Length)
            {
                _singleCharacterIds[rune.Value] = id;
            }
        }
        _merges = merges;
        _byteTokens = byteTokens;
        _unknownId = unknownId;
        _fuseUnknown = fuseUnknown;
        _ignoreMerges = ignoreMerges;
    }

    /// <summary>One past the largest token id of the model's vocabulary.</summary>
    public int Size => _tokens.Length;

    /// <summary>Whether characters outside the vocabulary become &lt;0xNN&gt; byte tokens.</summary>
    public bool ByteFallback => _byteTokens.Length > 0;

    public int MergeCount => _merges.Count;

    /// <summary>The token's text, or null for an id no vocabulary entry has.</summary>
    public string? Token(int id) => (uint)id < (uint)_tokens.Length ? _tokens[id] : null;

    public bool TryGetId(string token, out int id) => _vocabulary.TryGetValue(token, out id);

    /// <summary>Whether <paramref name="id"/> is one of the 256 byte-fallback tokens.</summary>
    public bool IsByteToken(int id, out byte value)
    {
        value = 0;
        if (_byteTokens.Length == 0)
        {
            return false;
        }

        var index = Array.IndexOf(_byteTokens, id);
        value = (byte)Math.Max(index, 0);
        return index >= 0;
    }

    internal static BpeModel Read(JsonElement model, string source)
    {
        var type = model.TryGetProperty("type", out var t) ? t.GetString() : "BPE";
        if (type != "BPE")
        {
            throw new TokenizerFormatException(source, $"model type '{type}' is not supported (only BPE).");
        }

        foreach (var unsupported in (string[])["continuing_subword_prefix", "end_of_word_suffix"])
        {
            if (model.TryGetProperty(unsupported, out var value) && value.ValueKind == JsonValueKind.String && value.GetString()!.Length > 0)
            {
                throw new TokenizerFormatException(source, $"BPE option '{unsupported}' is not supported.");
            }
        }

        if (!model.TryGetProperty("vocab", out var vocab) || vocab.ValueKind != JsonValueKind.Object)
        {
            throw new TokenizerFormatException(source, "model.vocab is missing or not an object.");
        }

        var vocabulary = new Dictionary<string, int>(StringComparer.Ordinal);
        var largest = -1;
        foreach (var entry in vocab.EnumerateObject())
        {
            var id = entry.Value.GetInt32();
            if (id < 0)
            {
                throw new TokenizerFormatException(source, $"token '{entry.Name}' has a negative id {id}.");
            }

            vocabulary[entry.Name] = id;
            largest = Math.Max(largest, id);
        }

        var tokens = new string[largest + 1];
        Array.Fill(tokens, string.Empty);
        foreach (var (token, id) in vocabulary)
        {
            tokens[id] = token;
        }

        var merges = ReadMerges(model, vocabulary, source);
        var byteFallback = model.TryGetProperty("byte_fallback", out var fallback) && fallback.ValueKind == JsonValueKind.True;
        var byteTokens = byteFallback ? ReadByteTokens(vocabulary, source) : [];
        var unknownId = -1;
        if (model.TryGetProperty("unk_token", out var unknown) && unknown.ValueKind == JsonValueKind.String)
        {
            if (!vocabulary.TryGetValue(unknown.GetString()!, out unknownId))
            {
                throw new TokenizerFormatException(source, $"unk_token '{unknown.GetString()}' is not in the vocabulary.");
            }
        }

        var fuseUnknown = model.TryGetProperty("fuse_unk", out var fuse) && fuse.ValueKind == JsonValueKind.True;
        var ignoreMerges = model.TryGetProperty("ignore_merges", out var ignore) && ignore.ValueKind == JsonValueKind.True;
        return new BpeModel(vocabulary, tokens, merges, byteTokens, unknownId, fuseUnknown, ignoreMerges);
    }

    /// <summary>Appends the ids of one pre-tokenized piece (already in the model's alphabet) to <paramref name="ids"/>.</summary>
    public void Encode(string piece, List<int> ids)
    {
        if (piece.Length == 0)
        {
            return;
        }

        if (_ignoreMerges && _vocabulary.TryGetValue(piece, out var whole))
        {
            ids.Add(whole);
            return;
        }

        var symbols = new List<int>(piece.Length);
        Span<byte> utf8 = stackalloc byte[4];
        // Byte-fallback symbols must not merge with neighbours: they are kept as negative (-1 - id) until the end.
        foreach (var rune in piece.EnumerateRunes())
        {
            if (_singleCharacterIds.TryGetValue(rune.Value, out var id))
            {
                symbols.Add(id);
            }
            else if (_byteTokens.Length > 0)
            {
                var count = rune.EncodeToUtf8(utf8);
                for (var i = 0; i < count; i++)
                {
                    symbols.Add(-1 - _byteTokens[utf8[i]]);
                }
            }
            else if (_unknownId >= 0)
            {
                if (!_fuseUnknown || symbols.Count == 0 || symbols[^1] != -1 - _unknownId)
                {
                    symbols.Add(-1 - _unknownId);
                }
            }
            else
            {
                throw new ArgumentException($"Character U+{rune.Value:X4} is not in the vocabulary and the model has neither byte fallback nor an unknown token.", nameof(piece));
            }
        }

        ApplyMerges(symbols);
        foreach (var symbol in symbols)
        {
            ids.Add(symbol >= 0 ? symbol : -1 - symbol);
        }
    }

    /// <summary>
    /// Merges by rank: the lowest-ranked adjacent pair is merged first (equal ranks left to right), then the next,
    /// until no adjacent pair has a merge. A heap of candidate pairs over a linked list of symbols keeps this
    /// O(n log n), so a long SentencePiece line (one piece, no pre-tokenizer) stays cheap.
    /// </summary>
    private void ApplyMerges(List<int> symbols)
    {
        var count = symbols.Count;
        if (count < 2)
        {
            return;
        }

        var value = symbols.ToArray();
        var next = new int[count];
        var previous = new int[count];
        for (var i = 0; i < count; i++)
        {
            next[i] = i + 1 < count ? i + 1 : -1;
            previous[i] = i - 1;
        }

        // Element: the left position of a pair; priority: (rank, position), so ties go left to right.
        var queue = new PriorityQueue<int, long>(count);
        for (var i = 0; i + 1 < count; i++)
        {
            Push(i);
        }

        while (queue.TryDequeue(out var left, out var priority))
        {
            var right = next[left];
            // Stale entries (a side was merged away or changed since) no longer name the same merge.
            if (value[left] == Removed || right < 0 || !TryMerge(value[left], value[right], out var merge) || merge.Rank != (int)(priority >> 32))
            {
                continue;
            }

            value[left] = merge.Merged;
            value[right] = Removed;
            next[left] = next[right];
            if (next[right] >= 0)
            {
                previous[next[right]] = left;
            }

            if (previous[left] >= 0)
            {
                Push(previous[left]);
            }

            Push(left);
        }

        symbols.Clear();
        for (var i = 0; i >= 0; i = next[i])
        {
            symbols.Add(value[i]);
        }

        void Push(int position)
        {
            var right = next[position];
            if (right >= 0 && TryMerge(value[position], value[right], out var merge))
            {
                queue.Enqueue(position, ((long)merge.Rank << 32) | (uint)position);
            }
        }
    }

    // Negative symbols (byte-fallback and unknown tokens) take part in no merge.
    private bool TryMerge(int left, int right, out (int Rank, int Merged) merge)
    {
        merge = default;
        return left >= 0 && right >= 0 && _merges.TryGetValue(Key(left, right), out merge);
    }

    private static long Key(int left, int right) => ((long)left << 32) | (uint)right;

    private static Dictionary<long, (int, int)> ReadMerges(JsonElement model, Dictionary<string, int> vocabulary, string source)
    {
        var merges = new Dictionary<long, (int, int)>();
        if (!model.TryGetProperty("merges", out var list) || list.ValueKind == JsonValueKind.Null)
        {
            return merges;
        }

        if (list.ValueKind != JsonValueKind.Array)
        {
            throw new TokenizerFormatException(source, "model.merges is not an array.");
        }

        var rank = 0;
        foreach (var item in list.EnumerateArray())
        {
            // Two serialisations exist: "left right" strings (older files) and ["left", "right"] pairs (newer).
            string left;
            string right;
            if (item.ValueKind == JsonValueKind.String)
            {
                var text = item.GetString()!;
                var space = text.IndexOf(' ', 1);
                if (space < 0)
                {
                    throw new TokenizerFormatException(source, $"merge {rank} '{text}' is not two tokens separated by a space.");
                }

                left = text[..space];
                right = text[(space + 1)..];
            }
            else if (item.ValueKind == JsonValueKind.Array && item.GetArrayLength() == 2)
            {
                left = item[0].GetString() ?? string.Empty;
                right = item[1].GetString() ?? string.Empty;
            }
            else
            {
                throw new TokenizerFormatException(source, $"merge {rank} is neither a string nor a pair of strings.");
            }

            if (!vocabulary.TryGetValue(left, out var leftId) || !vocabulary.TryGetValue(right, out var rightId)
                || !vocabulary.TryGetValue(left + right, out var mergedId))
            {
                throw new TokenizerFormatException(source, $"merge {rank} ('{left}', '{right}') names a token that is not in the vocabulary.");
            }

            // A pair listed twice keeps its first (best) rank.
            merges.TryAdd(Key(leftId, rightId), (rank, mergedId));
            rank++;
        }

        return merges;
    }

    private static int[] ReadByteTokens(Dictionary<string, int> vocabulary, string source)
    {
        var ids = new int[256];
        for (var b = 0; b < 256; b++)
        {
            var name = ByteTokenName((byte)b);
            if (!vocabulary.TryGetValue(name, out ids[b]))
            {
                throw new TokenizerFormatException(source, $"byte_fallback is on but the vocabulary has no '{name}' token.");
            }
        }

        return ids;
    }

    /// <summary>The byte-fallback token's text, e.g. "&lt;0x0A&gt;".</summary>
    public static string ByteTokenName(byte value) => "<0x" + value.ToString("X2", CultureInfo.InvariantCulture) + ">";

    internal static bool TryParseByteToken(string token, out byte value)
    {
        value = 0;
        return token.Length == 6 && token.StartsWith("<0x", StringComparison.Ordinal) && token[5] == '>'
            && byte.TryParse(token.AsSpan(3, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out value);
    }

    internal static string Utf8OrReplacement(ReadOnlySpan<byte> bytes)
    {
        var strict = new UTF8Encoding(false, true);
        try
        {
            return strict.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            return new string('\uFFFD', bytes.Length);
        }
    }
}
