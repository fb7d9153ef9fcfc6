using System.Buffers.Binary;
using System.IO.Compression;

namespace Kcm.Core.Tests.Data;

/// <summary>Builds IDX file contents byte by byte, so tests can make good and deliberately broken files.</summary>
internal static class IdxBytes
{
    public const byte UnsignedByte = 0x08;

    /// <summary>Magic (0, 0, type, dimension count), big-endian sizes, then the data bytes as given.</summary>
    public static byte[] Build(byte type, int[] sizes, byte[] data)
    {
        var bytes = new byte[4 + 4 * sizes.Length + data.Length];
        bytes[2] = type;
        bytes[3] = (byte)sizes.Length;
        for (var i = 0; i < sizes.Length; i++)
        {
            BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4 + 4 * i, 4), sizes[i]);
        }

        data.CopyTo(bytes, 4 + 4 * sizes.Length);
        return bytes;
    }

    public static byte[] Images(int count, int rows, int columns, Func<int, byte> pixel) =>
        Build(UnsignedByte, [count, rows, columns], Enumerable.Range(0, count * rows * columns).Select(pixel).ToArray());

    public static byte[] Labels(params byte[] labels) => Build(UnsignedByte, [labels.Length], labels);

    public static byte[] Gzip(byte[] bytes)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest))
        {
            gzip.Write(bytes);
        }

        return output.ToArray();
    }
}
