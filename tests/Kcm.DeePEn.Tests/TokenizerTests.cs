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
        Assert.Equal(255, DeePEnFixtures.ByteLevel.Model.MergeCount);
        Assert.Equal(TokenizerKind.SentencePiece, DeePEnFixtures.SentencePiece.Kind);
        Assert.Equal(1024, DeePEnFixtures.SentencePiece.VocabularySize);
        Assert.True(DeePEnFixtures.SentencePiece.Model.ByteFallback);
        Assert.True(DeePEnFixtures.SentencePiece.Model.MergeCount > 500);
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
        Assert.Equal("\u0120", ByteLevelAlphabet.Encode((byte)' ').ToString());
        Assert.Equal("\u010A", ByteLevelAlphabet.Encode((byte)'\n').ToString());
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
        var tokenizer = Parse("""
            {"model": {"type": "BPE", "vocab": {"a": 0, "b": 1, "c": 2, "bc": 3, "ab": 4}, "merges": ["b c", "a b"]}}
            """);
        Assert.Equal([0, 3], tokenizer.Encode("abc"));
        Assert.Equal([4], tokenizer.Encode("ab"));
    }

    [Fact]
    public void Encode_MetaspacePreTokenizerWithSplit_PrependsOnlyAtTheStartWhenSchemeIsFirst()
    {
        var tokenizer = Parse("""
            {"pre_tokenizer": {"type": "Metaspace", "replacement": "▁", "prepend_scheme": "first", "split": true},
             "decoder": {"type": "Metaspace", "replacement": "▁", "prepend_scheme": "first", "split": true},
             "added_tokens": [{"id": 9, "content": "<sep>", "special": true}],
             "model": {"type": "BPE", "vocab": {"▁": 0, "a": 1, "b": 2, "▁a": 3, "▁b": 4}, "merges": [["▁", "a"], ["▁", "b"]]}}
            """);
        Assert.Equal(TokenizerKind.SentencePiece, tokenizer.Kind);
        Assert.Equal([3, 4, 9, 1, 4], tokenizer.Encode("a b<sep>a b"));
        Assert.Equal("a b<sep>a b", tokenizer.Decode(tokenizer.Encode("a b<sep>a b")));
    }

    [Fact]
    public void Encode_SplitPreTokenizerThenByteLevelWithoutRegex_IsolatesTheMatches()
    {
        var tokenizer = Parse("""
            {"pre_tokenizer": {"type": "Sequence", "pretokenizers": [
                {"type": "Split", "pattern": {"Regex": "\\p{N}{1,3}"}, "behavior": "Isolated", "invert": false},
                {"type": "ByteLevel", "add_prefix_space": false, "use_regex": false}]},
             "decoder": {"type": "ByteLevel"},
             "model": {"type": "BPE", "vocab": {"1": 0, "2": 1, "3": 2, "4": 3, "x": 4, "12": 5, "23": 6, "34": 7, "x1": 8},
                       "merges": ["1 2", "2 3", "3 4", "x 1"]}}
            """);
        // "x1234" splits into "x", "123", "4": the "x 1" merge cannot cross the split.
        Assert.Equal([4, 5, 2, 3], tokenizer.Encode("x1234"));
        Assert.Equal("x1234", tokenizer.Decode([4, 5, 2, 3]));
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("""{"no_model": 1}""")]
    [InlineData("""{"model": {"type": "WordPiece", "vocab": {}}}""")]
    [InlineData("""{"model": {"type": "BPE", "vocab": {"a": 0}, "merges": ["a b"]}}""")]
    [InlineData("""{"model": {"type": "BPE", "vocab": {"a": 0}, "byte_fallback": true}}""")]
    [InlineData("""{"pre_tokenizer": {"type": "Whitespace"}, "model": {"type": "BPE", "vocab": {"a": 0}}}""")]
    [InlineData("""{"pre_tokenizer": {"type": "Split", "pattern": {"Regex": "a++"}, "behavior": "Isolated"}, "model": {"type": "BPE", "vocab": {"a": 0}}}""")]
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

    private static int[] Ids(JsonElement sample, string name) =>
        [.. sample.GetProperty(name).EnumerateArray().Select(e => e.GetInt32())];
}
