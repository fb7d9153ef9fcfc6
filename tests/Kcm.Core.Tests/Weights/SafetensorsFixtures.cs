using System.Buffers.Binary;
using System.Text;

namespace Kcm.Core.Tests.Weights;

/// <summary>
/// Hand-made safetensors bytes. The "PyTorch" fixture is laid out exactly as safetensors.torch.save_file writes it
/// (the Python package is not installable here): compact JSON, "__metadata__" {"format":"pt"} first, tensors ordered
/// by element size then name, header padded with spaces to 8 bytes, no checksum.
/// </summary>
internal static class SafetensorsFixtures
{
    /// <summary>save_file({"ids": int64 [7, -3], "emb": float32 [[1, 2], [3, 4.5]], "bf": bfloat16 [1, 3.140625], "half": float16 [1.5, -2]}, metadata={"format": "pt"}).</summary>
    public static byte[] PyTorchWritten()
    {
        const string json =
            "{\"__metadata__\":{\"format\":\"pt\"}," +
            "\"ids\":{\"dtype\":\"I64\",\"shape\":[2],\"data_offsets\":[0,16]}," +
            "\"emb\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[16,32]}," +
            "\"bf\":{\"dtype\":\"BF16\",\"shape\":[2],\"data_offsets\":[32,36]}," +
            "\"half\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[36,40]}}";
        byte[] data =
        [
            0x07, 0, 0, 0, 0, 0, 0, 0, // 7
            0xFD, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, // -3
            0x00, 0x00, 0x80, 0x3F, // 1.0f
            0x00, 0x00, 0x00, 0x40, // 2.0f
            0x00, 0x00, 0x40, 0x40, // 3.0f
            0x00, 0x00, 0x90, 0x40, // 4.5f
            0x80, 0x3F, // bf16 1.0
            0x49, 0x40, // bf16 3.140625
            0x00, 0x3E, // f16 1.5
            0x00, 0xC0, // f16 -2.0
        ];
        return Assemble(json, data);
    }

    /// <summary>A file from a header text and data bytes; the header is space-padded to 8 bytes like the reference writer.</summary>
    public static byte[] Assemble(string json, ReadOnlySpan<byte> data)
    {
        var header = Encoding.UTF8.GetBytes(json);
        var padded = (header.Length + 7) / 8 * 8;
        var bytes = new byte[8 + padded + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)padded);
        header.CopyTo(bytes, 8);
        bytes.AsSpan(8 + header.Length, padded - header.Length).Fill((byte)' ');
        data.CopyTo(bytes.AsSpan(8 + padded));
        return bytes;
    }

    /// <summary>The header text of a file (padding trimmed).</summary>
    public static string HeaderText(byte[] file)
    {
        var length = (int)BinaryPrimitives.ReadUInt64LittleEndian(file);
        return Encoding.UTF8.GetString(file, 8, length).TrimEnd(' ');
    }

    /// <summary>The data section of a file.</summary>
    public static byte[] DataSection(byte[] file)
    {
        var length = (int)BinaryPrimitives.ReadUInt64LittleEndian(file);
        return file[(8 + length)..];
    }
}
