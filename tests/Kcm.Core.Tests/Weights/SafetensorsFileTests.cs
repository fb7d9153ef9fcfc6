using System.Buffers.Binary;
using System.Text.Json;
using Kcm.Core.Weights;

namespace Kcm.Core.Tests.Weights;

public sealed class SafetensorsFileTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("kcm-safetensors-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void FromMemory_PyTorchWrittenFile_ReadsEveryDtype()
    {
        using var file = SafetensorsFile.FromMemory(SafetensorsFixtures.PyTorchWritten());

        Assert.False(file.HasChecksum);
        Assert.Equal("pt", file.Metadata["format"]);
        Assert.Equal([7L, -3L], file.ReadInt64("ids"));
        Assert.Equal([1f, 2f, 3f, 4.5f], file.ReadFloat32("emb"));
        Assert.Equal([2L, 2L], file.Tensor("emb").Shape.ToArray());
        Assert.Equal([1f, 3.140625f], file.ReadFloat32("bf"));
        Assert.Equal([1.5f, -2f], file.ReadFloat32("half"));
    }

    [Fact]
    public void Write_MixedDtypes_RoundTripsValuesAndMetadata()
    {
        float[] weights = [0.25f, -1.5f, 3e-8f, float.MaxValue, -0f, 7f];
        TensorData[] tensors =
        [
            TensorData.FromFloat32("layer.weight", [2, 3], weights),
            TensorData.FromFloat16("embed.f16", [3], [0.5f, -0.125f, 65504f]),
            TensorData.FromBFloat16("embed.bf16", [2], [1f, -256f]),
            TensorData.FromInt64("token_ids", [4], [0L, long.MaxValue, -1L, 42L]),
            TensorData.FromFloat32("scalar", [], [9f]),
        ];
        var metadata = new Dictionary<string, string> { ["architecture"] = "test:1+2", ["note"] = "héllo" };

        var bytes = SafetensorsWriter.ToBytes(tensors, metadata);
        using var file = SafetensorsFile.FromMemory(bytes);

        Assert.Equal(weights, file.ReadFloat32("layer.weight"));
        Assert.Equal([0.5f, -0.125f, 65504f], file.ReadFloat32("embed.f16"));
        Assert.Equal([1f, -256f], file.ReadFloat32("embed.bf16"));
        Assert.Equal([0L, long.MaxValue, -1L, 42L], file.ReadInt64("token_ids"));
        Assert.Equal([9f], file.ReadFloat32("scalar"));
        Assert.Empty(file.Tensor("scalar").Shape);
        Assert.Equal("test:1+2", file.Metadata["architecture"]);
        Assert.Equal("héllo", file.Metadata["note"]);
        Assert.True(file.HasChecksum);
        Assert.Equal(file.ComputeSha256(), file.Metadata[SafetensorsMetadataKeys.Sha256]);
    }

    [Fact]
    public void Write_Output_FollowsTheReferenceLayoutThatPyTorchLoads()
    {
        var bytes = SafetensorsWriter.ToBytes(
        [
            TensorData.FromFloat16("b", [1], [1f]),
            TensorData.FromFloat32("a", [2], [1f, 2f]),
            TensorData.FromInt64("c", [1], [5L]),
        ]);

        // What the reference loader checks: a header length that is a multiple of 8 and fits, a JSON object that
        // starts with '{', string metadata, and offsets that tile the data section exactly; we also align tensors.
        var headerLength = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        Assert.Equal(0UL, headerLength % 8);
        Assert.Equal((byte)'{', bytes[8]);
        using var json = JsonDocument.Parse(SafetensorsFixtures.HeaderText(bytes));
        var names = json.RootElement.EnumerateObject().Select(p => p.Name).ToArray();
        Assert.Equal(["__metadata__", "c", "a", "b"], names);
        Assert.All(json.RootElement.GetProperty("__metadata__").EnumerateObject(), p => Assert.Equal(JsonValueKind.String, p.Value.ValueKind));
        long position = 0;
        foreach (var name in names[1..])
        {
            var offsets = json.RootElement.GetProperty(name).GetProperty("data_offsets");
            var begin = offsets[0].GetInt64();
            Assert.Equal(position, begin);
            var size = json.RootElement.GetProperty(name).GetProperty("dtype").GetString() switch { "I64" => 8, "F32" => 4, _ => 2 };
            Assert.Equal(0, begin % size);
            position = offsets[1].GetInt64();
        }

        Assert.Equal(position, SafetensorsFixtures.DataSection(bytes).Length);
    }

    [Fact]
    public void Open_File_ReadsOneTensorWithoutTheOthers()
    {
        var path = Path.Combine(_folder, "embeddings.safetensors");
        var big = Enumerable.Range(0, 100_000).Select(i => (float)i).ToArray();
        SafetensorsWriter.WriteFile(path, [TensorData.FromFloat32("big", [100_000], big), TensorData.FromFloat32("small", [2], [5f, 6f])]);

        using var file = SafetensorsFile.Open(path);

        Assert.Equal([5f, 6f], file.ReadFloat32("small"));
        Assert.Equal(big, file.ReadFloat32("big"));
        Assert.Throws<KeyNotFoundException>(() => file.Tensor("missing"));
        Assert.Empty(Directory.GetFiles(_folder, "*.tmp-*"));
    }

    [Fact]
    public void Open_FlippedDataByte_FailsWithChecksumError()
    {
        var path = Path.Combine(_folder, "flipped.safetensors");
        var bytes = SafetensorsWriter.ToBytes([TensorData.FromFloat32("w", [4], [1f, 2f, 3f, 4f])]);
        bytes[^3] ^= 0x01;
        File.WriteAllBytes(path, bytes);

        var error = Assert.Throws<SafetensorsFormatException>(() => SafetensorsFile.Open(path));

        Assert.Contains("checksum mismatch", error.Message);
        Assert.Contains(path, error.Message);
    }

    [Fact]
    public void FromMemory_FlippedHeaderByte_FailsWithHeaderError()
    {
        var bytes = SafetensorsWriter.ToBytes([TensorData.FromFloat32("w", [4], [1f, 2f, 3f, 4f])]);
        bytes[8] = (byte)'[';

        var error = Assert.Throws<SafetensorsFormatException>(() => SafetensorsFile.FromMemory(bytes));

        Assert.Contains("not a JSON object", error.Message);
    }

    [Theory]
    [InlineData("{\"w\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", "needs 12 bytes")]
    [InlineData("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", "gap")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", "overlapping")]
    [InlineData("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", "not described")]
    [InlineData("{\"w\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}", "truncated")]
    [InlineData("{\"w\":{\"dtype\":\"F8_E4M3\",\"shape\":[8],\"data_offsets\":[0,8]}}", "unsupported dtype")]
    [InlineData("{\"w\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}", "non-negative")]
    [InlineData("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,0]}}", "before it begins")]
    [InlineData("{\"__metadata__\":{\"n\":1},\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", "not a string")]
    [InlineData("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}", "not valid JSON")]
    public void FromMemory_InconsistentHeader_FailsNamingTheProblem(string json, string expected)
    {
        var bytes = SafetensorsFixtures.Assemble(json, new byte[8]);

        var error = Assert.Throws<SafetensorsFormatException>(() => SafetensorsFile.FromMemory(bytes));

        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void Open_TruncatedFile_FailsAsTruncated()
    {
        var bytes = SafetensorsWriter.ToBytes([TensorData.FromFloat32("w", [4], [1f, 2f, 3f, 4f])]);
        foreach (var keep in new[] { bytes.Length - 1, 40, 5 })
        {
            var path = Path.Combine(_folder, $"truncated-{keep}.safetensors");
            File.WriteAllBytes(path, bytes[..keep]);

            var error = Assert.Throws<SafetensorsFormatException>(() => SafetensorsFile.Open(path));

            Assert.Contains("truncated", error.Message);
        }
    }

    [Fact]
    public void FromMemory_ImpossibleHeaderLength_FailsWithoutAllocating()
    {
        var bytes = new byte[16];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, ulong.MaxValue);

        var error = Assert.Throws<SafetensorsFormatException>(() => SafetensorsFile.FromMemory(bytes));

        Assert.Contains("header length", error.Message);
    }

    [Fact]
    public void Write_InconsistentTensors_NamesEveryBadOne()
    {
        TensorData[] tensors =
        [
            new TensorData("short", TensorDType.F32, [3], new byte[8]),
            TensorData.FromFloat32("twice", [1], [1f]),
            TensorData.FromFloat32("twice", [1], [2f]),
        ];

        var error = Assert.Throws<ArgumentException>(() => SafetensorsWriter.ToBytes(tensors));

        Assert.Contains("'short'", error.Message);
        Assert.Contains("'twice' appears twice", error.Message);
    }
}
