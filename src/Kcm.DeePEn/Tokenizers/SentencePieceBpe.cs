using System.Globalization;
using System.Text;

namespace Kcm.DeePEn.Tokenizers;

/// <summary>
/// SentencePiece-style BPE as Llama-2's tokenizer.json lays it out: "▁" before the text and for every space,
/// characters outside the vocabulary as &lt;0xNN&gt; byte tokens, merges by rank (lowest first, equal ranks left to
/// right), no pre-tokenizer. Our own code, not Microsoft.ML.Tokenizers': its SentencePieceTokenizer (3.0.0) merges
/// equal-scored pairs right to left where SentencePiece and Hugging Face go left to right, which changes the ids
/// of repeated pieces (",000,000,000" on 15 of the 233 SotU addresses); tests/Kcm.DeePEn.Tests/TokenizerTests.cs
/// checks that this is still so.
/// </summary>
internal sealed class SentencePieceBpe : ITokenizerModel
{
    private const int Removed = int.MinValue;

    private readonly string[] _tokens;
    private readonly Dictionary<int, int> _singleCharacterIds;
    // Key: (left id << 32) | right id. Value: (rank, merged id).
    private readonly Dictionary<long, (int Rank, int Merged)> _merges;
    private readonly int _firstByteToken;

    private SentencePieceBpe(string[] tokens, Dictionary<int, int> singleCharacterIds, Dictionary<long, (int, int)> merges, int firstByteToken)
    {
        _tokens = tokens;
        _singleCharacterIds = singleCharacterIds;
        _merges = merges;
        _firstByteToken = firstByteToken;
    }

    public static SentencePieceBpe Create(TokenizerJsonFile file)
    {
        // Single-character tokens by code point, so splitting text into characters allocates no strings.
        var singleCharacterIds = new Dictionary<int, int>();
        foreach (var (token, id) in file.Vocabulary)
        {
            if (Rune.DecodeFromUtf16(token, out var rune, out var used) == System.Buffers.OperationStatus.Done && used == token.Length)
            {
                singleCharacterIds[rune.Value] = id;
            }
        }

        var merges = new Dictionary<long, (int, int)>();
        for (var rank = 0; rank < file.Merges.Count; rank++)
        {
            var (left, right) = file.Merges[rank];
            merges[Key(file.Vocabulary[left], file.Vocabulary[right])] = (rank, file.Vocabulary[left + right]);
        }

        return new SentencePieceBpe(file.Tokens, singleCharacterIds, merges, file.Vocabulary[ByteTokenName(0)]);
    }

    public void Encode(ReadOnlySpan<char> text, List<int> ids)
    {
        if (text.IsEmpty)
        {
            return;
        }

        // The normaliser's work: a "▁" before the text and for every space. Byte-fallback symbols must not merge with
        // neighbours: they are kept as negative (-1 - id) until the end.
        var symbols = new List<int>(text.Length + 1);
        Span<byte> utf8 = stackalloc byte[4];
        Add(new Rune(TokenizerJsonFile.Metaspace[0]), symbols, utf8);
        foreach (var rune in text.EnumerateRunes())
        {
            Add(rune.Value == ' ' ? new Rune(TokenizerJsonFile.Metaspace[0]) : rune, symbols, utf8);
        }

        ApplyMerges(symbols);
        foreach (var symbol in symbols)
        {
            ids.Add(symbol >= 0 ? symbol : -1 - symbol);
        }
    }

    /// <summary>
    /// As tokenizer.json's decoder: "▁" becomes a space, runs of byte tokens their UTF-8 text (one U+FFFD per byte
    /// for a run that is not valid UTF-8), and one leading space of the whole text is dropped.
    /// </summary>
    public string Decode(ReadOnlySpan<int> ids)
    {
        var text = new StringBuilder(ids.Length * 4);
        var pending = new List<byte>();
        foreach (var id in ids)
        {
            var token = _tokens[id];
            if (IsByteToken(token, out var value))
            {
                pending.Add(value);
                continue;
            }

            Flush();
            text.Append(token).Replace(TokenizerJsonFile.Metaspace[0], ' ', text.Length - token.Length, token.Length);
        }

        Flush();
        return text.Length > 0 && text[0] == ' ' ? text.ToString(1, text.Length - 1) : text.ToString();

        void Flush()
        {
            if (pending.Count > 0)
            {
                text.Append(Utf8OrReplacement(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(pending)));
                pending.Clear();
            }
        }
    }

    public string? WordText(int id) => IsByteToken(_tokens[id], out _) || _tokens[id].Length == 0 ? null : _tokens[id];

    /// <summary>One character of the normalised text: its token, or its UTF-8 bytes as byte-fallback symbols.</summary>
    private void Add(Rune rune, List<int> symbols, Span<byte> utf8)
    {
        if (_singleCharacterIds.TryGetValue(rune.Value, out var id))
        {
            symbols.Add(id);
            return;
        }

        var count = rune.EncodeToUtf8(utf8);
        for (var i = 0; i < count; i++)
        {
            symbols.Add(-1 - (_firstByteToken + utf8[i]));
        }
    }

    /// <summary>
    /// Merges by rank: the lowest-ranked adjacent pair is merged first (equal ranks left to right), then the next,
    /// until no adjacent pair has a merge. A heap of candidate pairs over a linked list of symbols keeps this
    /// O(n log n), so a long line (one piece, no pre-tokenizer) stays cheap.
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

    // Negative symbols (byte-fallback tokens) take part in no merge.
    private bool TryMerge(int left, int right, out (int Rank, int Merged) merge)
    {
        merge = default;
        return left >= 0 && right >= 0 && _merges.TryGetValue(Key(left, right), out merge);
    }

    private static long Key(int left, int right) => ((long)left << 32) | (uint)right;

    private static string Utf8OrReplacement(ReadOnlySpan<byte> bytes)
    {
        try
        {
            return new UTF8Encoding(false, true).GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            return new string('\uFFFD', bytes.Length);
        }
    }

    /// <summary>Whether <paramref name="token"/> is a byte-fallback token such as "&lt;0x0A&gt;".</summary>
    private static bool IsByteToken(string token, out byte value)
    {
        value = 0;
        return token.Length == 6 && token.StartsWith("<0x", StringComparison.Ordinal) && token[5] == '>'
            && byte.TryParse(token.AsSpan(3, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out value);
    }

    private static string ByteTokenName(byte value) => "<0x" + value.ToString("X2", CultureInfo.InvariantCulture) + ">";
}
