using Kcm.DeePEn.Fusion;
using Kcm.DeePEn.Tokenizers;

namespace Kcm.DeePEn.Tests;

public sealed class AnchorSetTests
{
    private const string ByteLevelToy = """
        {"added_tokens": [{"id": 0, "content": "<|endoftext|>", "special": true}],
         "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": false, "use_regex": true},
         "decoder": {"type": "ByteLevel"},
         "model": {"type": "BPE", "vocab": {"<|endoftext|>": 0, "Ġ": 1, "t": 2, "h": 3, "e": 4, "c": 5, "a": 6,
                   "Ġthe": 7, "the": 8, "Ġcat": 9, "cat": 10, "Ã": 11, "©": 12, "Ã©": 13, "Ġdog": 14, "Ċ": 15},
                   "merges": []}}
        """;

    [Fact]
    public void Build_ByteLevelAndSentencePieceToys_FindsTheSharedWordsWithOneMarker()
    {
        var byteLevel = TokenizerTests.Parse(ByteLevelToy);
        // Ids 0-258: <unk>, <s>, </s> and the 256 byte tokens; "<|endoftext|>" is an ordinary token here.
        var sentencePiece = TokenizerTests.SentencePieceToy(["▁", "t", "h", "e", "▁the", "▁cat", "the", "é", "▁bird", "<|endoftext|>"]);

        var anchors = AnchorSet.Build([byteLevel, sentencePiece]);

        // "Ġthe"/"▁the", "Ġcat"/"▁cat", "Ġ"/"▁" share a word-start marker; "Ã©" is the byte-level spelling of "é".
        // Not anchors: "Ġdog" and "▁bird" (one side only), "cat" (byte-level only), specials and byte tokens
        // ("<|endoftext|>" is special in one vocabulary), "Ã" and "©" alone (incomplete UTF-8).
        Assert.Equal(["e", "h", "t", "the", "é", "▁", "▁cat", "▁the"], anchors.Tokens);
        Assert.Equal([4, 3, 2, 8, 13, 1, 9, 7], anchors.TokenIds[0]);
        Assert.Equal([262, 261, 260, 265, 266, 259, 264, 263], anchors.TokenIds[1]);
    }

    [Fact]
    public void Build_TrainedByteLevelAndSentencePieceFixtures_ShareCommonEnglishWords()
    {
        var anchors = AnchorSet.Build([DeePEnFixtures.ByteLevel, DeePEnFixtures.SentencePiece]);

        Assert.True(anchors.Count > 150, $"only {anchors.Count} anchors");
        Assert.Contains("\u2581the", anchors.Tokens);
        Assert.Contains("\u2581License", anchors.Tokens);
        for (var a = 0; a < anchors.Count; a++)
        {
            Assert.Equal(anchors.Tokens[a], DeePEnFixtures.ByteLevel.NormalizedToken(anchors.TokenIds[0][a]));
            Assert.Equal(anchors.Tokens[a], DeePEnFixtures.SentencePiece.NormalizedToken(anchors.TokenIds[1][a]));
        }
    }

    [Fact]
    public void Build_DuplicateNormalisedTexts_KeepTheSmallestIdAndSkipNulls()
    {
        var anchors = AnchorSet.Build([new[] { "a", null, "b", "a" }, new[] { "b", "a", "c" }]);

        Assert.Equal(["a", "b"], anchors.Tokens);
        Assert.Equal([0, 2], anchors.TokenIds[0]);
        Assert.Equal([1, 0], anchors.TokenIds[1]);
    }
}
