using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text.Json;
using Kcm.DeePEn.Tokenizers;

namespace Kcm.DeePEn.Tests;

/// <summary>
/// The shipped models' tokenizers give the ids recorded in Fixtures/sotu_token_ids.json, which the hand-written
/// tokenizer wrote before byte-level BPE moved to Microsoft.ML.Tokenizers (see the fixture's "about"): every State
/// of the Union address and text with special-token strings.
/// </summary>
public sealed class SotuTokenIdsTests
{
    private static readonly JsonElement Recorded = JsonDocument.Parse(File.ReadAllBytes(DeePEnFixtures.Path("sotu_token_ids.json"))).RootElement;

    [Theory]
    [MemberData(nameof(SotuModels.ModelNames), MemberType = typeof(SotuModels))]
    public void Encode_EveryAddress_GivesTheRecordedIdsAndDecodesBack(string name)
    {
        var tokenizer = Load(name);
        var addresses = SotuModels.Corpus.Addresses;
        var recorded = Recorded.GetProperty("addresses");
        Assert.Equal(recorded.GetArrayLength(), addresses.Count);

        var differing = new List<string>();
        for (var i = 0; i < addresses.Count; i++)
        {
            var entry = recorded[i];
            Assert.Equal(entry.GetProperty("year").GetInt32(), addresses[i].Year);
            Assert.Equal(entry.GetProperty("name").GetString(), addresses[i].Name);
            var ids = tokenizer.Encode(addresses[i].Text);
            var expected = entry.GetProperty(name);
            if (ids.Length != expected[0].GetInt32() || Hash(ids) != expected[1].GetString())
            {
                differing.Add($"{addresses[i].Year} {addresses[i].Name}");
            }

            Assert.Equal(addresses[i].Text, tokenizer.Decode(ids));
        }

        Assert.True(differing.Count == 0, $"{name}: ids differ from the recorded ones for {differing.Count} addresses: {string.Join(", ", differing.Take(5))}");
    }

    [Theory]
    [MemberData(nameof(SotuModels.ModelNames), MemberType = typeof(SotuModels))]
    public void Encode_TextWithSpecialTokenStrings_GivesTheRecordedIds(string name)
    {
        var tokenizer = Load(name);
        var texts = 0;
        foreach (var entry in Recorded.GetProperty("special_texts").EnumerateArray())
        {
            var text = entry.GetProperty("text").GetString()!;
            Assert.Equal([.. entry.GetProperty(name).EnumerateArray().Select(e => e.GetInt32())], tokenizer.Encode(text));
            texts++;
        }

        Assert.True(texts >= 25, $"only {texts} texts");
    }

    [Fact]
    public void Encode_SpecialTokenStrings_BecomeTheirIdsAndEachStretchBetweenStartsAWord()
    {
        var sentencePiece = Load("sotu-sp2k");
        var byteLevel = Load("sotu-bl1k");

        var ids = sentencePiece.Encode("a<s>b");
        Assert.Equal([.. sentencePiece.Encode("a"), 1, .. sentencePiece.Encode("b")], ids);
        Assert.Equal("\u2581b", sentencePiece.IdToToken(ids[^1]));
        // So decoding without the special token shows that word start as a space.
        Assert.Equal("a b", sentencePiece.Decode(ids, skipSpecialTokens: true));

        Assert.Equal([.. byteLevel.Encode("end"), 0, .. byteLevel.Encode("start")], byteLevel.Encode("end<|endoftext|>start"));
        Assert.Equal("end<|endoftext|>start", byteLevel.Decode(byteLevel.Encode("end<|endoftext|>start")));
        // "<s>" is no token of the byte-level vocabulary: it is text there.
        Assert.Equal("<s>", byteLevel.Decode(byteLevel.Encode("<s>")));
        Assert.DoesNotContain(byteLevel.Encode("<s>"), byteLevel.IsAddedToken);
    }

    private static BpeTokenizer Load(string name) => BpeTokenizer.Load(Path.Combine(SotuModels.Folder(name), "tokenizer.json"));

    /// <summary>As the fixture was written: the first 16 hex digits of the SHA-256 of the ids as little-endian int32.</summary>
    private static string Hash(int[] ids)
    {
        var bytes = new byte[ids.Length * sizeof(int)];
        for (var i = 0; i < ids.Length; i++)
        {
            BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(i * sizeof(int)), ids[i]);
        }

        return Convert.ToHexStringLower(SHA256.HashData(bytes))[..16];
    }
}
