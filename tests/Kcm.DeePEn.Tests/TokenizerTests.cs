using System.Text;
using System.Text.Json;
using Kcm.DeePEn.Tokenizers;

namespace Kcm.DeePEn.Tests;

public sealed class TokenizerTests
{
    public static TheoryData<string> Kinds => ["byte_level", "sentencepiece"];

    private static BpeTokenizer Of(string kind) => kind == "byte_level" ? DeePEnFixtures.ByteLevel : DeePEnFixtures.SentencePiece;

    [Fact]
    public void Load_TrainedFixtures_AreReadWithTheirKindAndSize()
    {
        Assert.Equal(TokenizerKind.ByteLevel, DeePEnFixtures.ByteLevel.Kind);
        Assert.Equal(512, DeePEnFixtures.ByteLevel.VocabularySize);
        Assert.Equal(TokenizerKind.SentencePiece, DeePEnFixtures.SentencePiece.Kind);
        Assert.Equal(1024, DeePEnFixtures.SentencePiece.VocabularySize);
        Assert.Equal(["<unk>", "<s>", "</s>"], DeePEnFixtures.SentencePiece.AddedTokens.Select(a => a.Content));
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void DecodeOfEncode_EveryLineAndWholeFileOfTheLicenses_GivesTheTextBack(string kind)
    {
        var tokenizer = Of(kind);
        var lines = 0;
        foreach (var file in DeePEnFixtures.LicenseFiles())
        {
            var text = File.ReadAllText(file);
            Assert.Equal(text, tokenizer.Decode(tokenizer.Encode(text)));
            foreach (var line in text.Split('\n'))
            {
                Assert.Equal(line, tokenizer.Decode(tokenizer.Encode(line)));
                lines++;
            }
        }

        Assert.True(lines > 3000, $"only {lines} lines were checked");
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void DecodeOfEncode_NonAsciiText_GivesTheTextBack(string kind)
    {
        var tokenizer = Of(kind);
        var readme = File.ReadAllText(Kcm.Testing.RepositoryRoot.Combine("README.md"));
        Assert.Contains(readme, c => c > 127);
        foreach (var text in DeePEnFixtures.NonAsciiTexts.Append(readme))
        {
            Assert.Equal(text, tokenizer.Decode(tokenizer.Encode(text)));
        }
    }

    [Fact]
    public void Encode_SampleOfLines_AgreesWithThePythonReferenceEncoder()
    {
        using var reference = JsonDocument.Parse(File.ReadAllBytes(DeePEnFixtures.TokenizerReference));
        var checkedSamples = 0;
        foreach (var sample in reference.RootElement.GetProperty("samples").EnumerateArray())
        {
            var text = sample.TryGetProperty("text", out var literal)
                ? literal.GetString()!
                : File.ReadAllText(sample.GetProperty("file").GetString()!).Split('\n')[sample.GetProperty("line").GetInt32() - 1];
            Assert.Equal(Ids(sample, "byte_level"), DeePEnFixtures.ByteLevel.Encode(text));
            Assert.Equal(Ids(sample, "sentencepiece"), DeePEnFixtures.SentencePiece.Encode(text));
            checkedSamples++;
        }

        Assert.True(checkedSamples >= 40, $"only {checkedSamples} samples");
    }

    [Fact]
    public void Encode_ByteLevel_MarksALeadingSpaceWithG()
    {
        var tokenizer = DeePEnFixtures.ByteLevel;
        var ids = tokenizer.Encode("the License");
        var tokens = ids.Select(id => tokenizer.IdToToken(id)!).ToArray();
        Assert.Equal("the", tokens[0]);
        Assert.StartsWith("\u0120", tokens[1], StringComparison.Ordinal);
        Assert.Equal(["\u0120", "\u010A"], tokenizer.Encode(" \n").Select(id => tokenizer.IdToToken(id)));
    }

    [Fact]
    public void Encode_SentencePiece_PrependsTheMetaspaceAndFallsBackToBytes()
    {
        var tokenizer = DeePEnFixtures.SentencePiece;
        var ids = tokenizer.Encode("the 日");
        var tokens = ids.Select(id => tokenizer.IdToToken(id)!).ToArray();
        Assert.StartsWith("\u2581", tokens[0], StringComparison.Ordinal);
        // U+65E5 is E6 97 A5 in UTF-8 and was never seen in training.
        Assert.Equal(["<0xE6>", "<0x97>", "<0xA5>"], tokens[^3..]);
        Assert.Equal("the 日", tokenizer.Decode(ids));
    }

    [Fact]
    public void Encode_SpecialTokensInText_BecomeTheirIdsAndDecodeCanSkipThem()
    {
        var byteLevel = DeePEnFixtures.ByteLevel;
        var ids = byteLevel.Encode("end<|endoftext|>start");
        Assert.Contains(0, ids);
        Assert.Equal("end<|endoftext|>start", byteLevel.Decode(ids));
        Assert.Equal("endstart", byteLevel.Decode(ids, skipSpecialTokens: true));

        var sentencePiece = DeePEnFixtures.SentencePiece;
        var withBos = sentencePiece.Encode("<s>Copyright");
        Assert.Equal(1, withBos[0]);
        Assert.Equal(sentencePiece.Encode("Copyright"), withBos[1..]);
        Assert.Equal("Copyright", sentencePiece.Decode(withBos, skipSpecialTokens: true));
    }

    [Fact]
    public void Encode_EmptyText_GivesNoTokens()
    {
        Assert.Empty(DeePEnFixtures.ByteLevel.Encode(string.Empty));
        Assert.Empty(DeePEnFixtures.SentencePiece.Encode(string.Empty));
    }

    [Fact]
    public void Encode_MergesByRank_LowerRankedPairWinsOverAnEarlierPosition()
    {
        // Merges: "b c" has rank 0, "a b" rank 1. For "abc" the better pair (b, c) merges first, leaving a + bc.
        var byteLevel = Parse("""
            {"pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": false, "use_regex": true}, "decoder": {"type": "ByteLevel"},
             "model": {"type": "BPE", "vocab": {"a": 0, "b": 1, "c": 2, "bc": 3, "ab": 4}, "merges": ["b c", "a b"]}}
            """);
        Assert.Equal([0, 3], byteLevel.Encode("abc"));
        Assert.Equal([4], byteLevel.Encode("ab"));

        var sentencePiece = SentencePieceToy(["▁", "a", "b", "c", "bc", "ab"], """[["b", "c"], ["a", "b"]]""");
        var first = sentencePiece.VocabularySize - 6;
        Assert.Equal([first, first + 1, first + 4], sentencePiece.Encode("abc"));
        Assert.Equal([first, first + 5], sentencePiece.Encode("ab"));
    }

    [Fact]
    public void Encode_EqualRanks_MergeLeftToRight()
    {
        // "aaa" with the one merge (a, a): the left pair merges first, as Hugging Face's tokenizers and SentencePiece do.
        var byteLevel = Parse("""
            {"pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": false, "use_regex": true}, "decoder": {"type": "ByteLevel"},
             "model": {"type": "BPE", "vocab": {"a": 0, "aa": 1}, "merges": ["a a"]}}
            """);
        Assert.Equal([1, 0], byteLevel.Encode("aaa"));

        var sentencePiece = SentencePieceToy(["▁", "a", "aa"], """[["a", "a"]]""");
        var first = sentencePiece.VocabularySize - 3;
        Assert.Equal([first, first + 2, first + 1], sentencePiece.Encode("aaa"));
    }

    /// <summary>
    /// Why the SentencePiece-style kind keeps its own BPE: Microsoft.ML.Tokenizers 3.0.0 reads this vocabulary through
    /// its SentencePieceTokenizer only (the .model beside the fixture, tools/deepen_sentencepiece_model.py, which Google's
    /// SentencePiece encodes as the JSON's merges do), and that merges equal-scored pairs right to left. If this fails,
    /// the library changed: see the tool's docstring for moving the kind to it.
    /// </summary>
    [Fact]
    public void LibrarySentencePieceTokenizer_RepeatedPieces_StillComeOutInAnotherOrder()
    {
        using var model = File.OpenRead(DeePEnFixtures.Path("sentencepiece.tokenizer.model"));
        var library = Microsoft.ML.Tokenizers.SentencePieceTokenizer.Create(model, addBeginningOfSentence: false, addEndOfSentence: false);
        var ours = DeePEnFixtures.SentencePiece;

        const string Words = "The Original Code is released under this License.";
        Assert.Equal(ours.Encode(Words), library.EncodeToIds(Words));

        const string Blank = "The Original Code is ______________________.";
        var expected = ours.Encode(Blank);
        var actual = library.EncodeToIds(Blank).ToArray();
        Assert.NotEqual(expected, actual);
        Assert.Equal(expected.Order(), actual.Order());
        Assert.Equal(Blank, ours.Decode(actual));
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("""{"no_model": 1}""")]
    [InlineData("""{"model": {"type": "WordPiece", "vocab": {}}}""")]
    [InlineData("""{"model": {"type": "BPE", "vocab": {"a": 0}, "merges": ["a b"]}}""")]
    [InlineData("""{"model": {"type": "BPE", "vocab": {"a": 0}, "byte_fallback": true}}""")]
    [InlineData("""{"pre_tokenizer": {"type": "Whitespace"}, "model": {"type": "BPE", "vocab": {"a": 0}}}""")]
    [InlineData("""{"pre_tokenizer": {"type": "Split", "pattern": {"Regex": "a++"}, "behavior": "Isolated"}, "model": {"type": "BPE", "vocab": {"a": 0}}}""")]
    [InlineData("""{"pre_tokenizer": {"type": "Metaspace", "replacement": "▁", "prepend_scheme": "first"}, "model": {"type": "BPE", "vocab": {"a": 0}}}""")]
    [InlineData("""{"pre_tokenizer": {"type": "ByteLevel", "use_regex": false}, "decoder": {"type": "ByteLevel"}, "model": {"type": "BPE", "vocab": {"a": 0}}}""")]
    [InlineData("""{"pre_tokenizer": {"type": "ByteLevel"}, "decoder": {"type": "ByteLevel"}, "model": {"type": "BPE", "vocab": {"a": 0}, "merges": ["a a", "a a"]}}""")]
    [InlineData("""{"pre_tokenizer": {"type": "ByteLevel"}, "decoder": {"type": "ByteLevel"}, "added_tokens": [{"id": 5, "content": "<s>", "special": true}], "model": {"type": "BPE", "vocab": {"a": 0}}}""")]
    public void Parse_MalformedOrUnsupported_ThrowsTokenizerFormatException(string json)
    {
        var error = Assert.Throws<TokenizerFormatException>(() => BpeTokenizer.Parse(Encoding.UTF8.GetBytes(json)));
        Assert.False(string.IsNullOrWhiteSpace(error.Problem));
    }

    [Fact]
    public void Decode_UnknownId_ThrowsArgumentOutOfRange()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => DeePEnFixtures.ByteLevel.Decode([100_000]));
    }

    internal static BpeTokenizer Parse(string json) => BpeTokenizer.Parse(Encoding.UTF8.GetBytes(json));

    /// <summary>
    /// A SentencePiece-style tokenizer in Llama-2's layout: &lt;unk&gt;, &lt;s&gt;, &lt;/s&gt;, the 256 byte tokens, then
    /// <paramref name="tokens"/> (the last ids), with the given merges (a JSON array of pairs).
    /// </summary>
    internal static BpeTokenizer SentencePieceToy(string[] tokens, string merges = "[]")
    {
        string[] all = ["<unk>", "<s>", "</s>", .. Enumerable.Range(0, 256).Select(b => $"<0x{b:X2}>"), .. tokens];
        var vocab = "{" + string.Join(", ", all.Select((t, i) => $"{JsonSerializer.Serialize(t)}: {i}")) + "}";
        return Parse("""
            {"added_tokens": [{"id": 0, "content": "<unk>", "special": true}, {"id": 1, "content": "<s>", "special": true}, {"id": 2, "content": "</s>", "special": true}],
             "normalizer": {"type": "Sequence", "normalizers": [{"type": "Prepend", "prepend": "▁"}, {"type": "Replace", "pattern": {"String": " "}, "content": "▁"}]},
             "decoder": {"type": "Sequence", "decoders": [{"type": "Replace", "pattern": {"String": "▁"}, "content": " "}, {"type": "ByteFallback"}, {"type": "Fuse"}, {"type": "Strip", "content": " ", "start": 1, "stop": 0}]},
             "model": {"type": "BPE", "unk_token": "<unk>", "fuse_unk": true, "byte_fallback": true, "vocab": VOCAB, "merges": MERGES}}
            """.Replace("VOCAB", vocab, StringComparison.Ordinal).Replace("MERGES", merges, StringComparison.Ordinal));
    }

    private static int[] Ids(JsonElement sample, string name) =>
        [.. sample.GetProperty(name).EnumerateArray().Select(e => e.GetInt32())];
}
