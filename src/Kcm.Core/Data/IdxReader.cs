using System.Buffers;
using System.Buffers.Binary;

namespace Kcm.Core.Data;

/// <summary>
/// Reads IDX files (the MNIST / Fashion-MNIST format), plain or gzip-compressed (detected by the gzip magic bytes).
/// Only unsigned-byte elements are supported: idx3 images become float32 in [0, 1], idx1 labels become ints.
/// Malformed files raise <see cref="DataFormatException"/> naming the file and the problem.
/// </summary>
public static class IdxReader
{
    private const byte UnsignedByteType = 0x08;
    private const int ChunkSize = 1 << 16;

    // value / 255f for every byte value: one table lookup per pixel, with exactly the rounding of a float32 division.
    private static readonly float[] ScaledPixel = BuildScaledPixelTable();

    /// <summary>Reads an idx3 unsigned-byte image file; pixels are scaled as <c>value / 255f</c> (the same rounding as numpy's float32 division).</summary>
    public static IdxImages ReadImages(string path)
    {
        using var stream = DataFileStream.Open(path);
        Span<int> dimensions = stackalloc int[3];
        ReadHeader(stream, path, dimensions, "images");
        var (count, rows, columns) = (dimensions[0], dimensions[1], dimensions[2]);
        if (rows == 0 || columns == 0)
        {
            throw new DataFormatException(path, $"images have size {rows} x {columns}; both must be at least 1");
        }

        var total = (long)count * rows * columns;
        if (total > Array.MaxLength)
        {
            throw new DataFormatException(path, $"{count} images of {rows} x {columns} pixels exceed the largest array .NET can hold");
        }

        CheckPlainFileLength(stream, path, "pixel", dimensions.Length, total);
        var pixels = new float[total];
        var buffer = ArrayPool<byte>.Shared.Rent(ChunkSize);
        try
        {
            var done = 0;
            while (done < pixels.Length)
            {
                var want = Math.Min(ChunkSize, pixels.Length - done);
                var got = DataFileStream.ReadFully(stream, buffer.AsSpan(0, want), path);
                if (got < want)
                {
                    throw Truncated(path, "pixel", total, done + got);
                }

                Scale(buffer.AsSpan(0, got), pixels.AsSpan(done, got));
                done += got;
            }

            EnsureEnd(stream, path, buffer);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        return new IdxImages(pixels, count, rows, columns);
    }

    /// <summary>Reads an idx1 unsigned-byte label file.</summary>
    public static int[] ReadLabels(string path)
    {
        using var stream = DataFileStream.Open(path);
        Span<int> dimensions = stackalloc int[1];
        ReadHeader(stream, path, dimensions, "labels");
        CheckPlainFileLength(stream, path, "label", dimensions.Length, dimensions[0]);
        var labels = new int[dimensions[0]];
        var buffer = ArrayPool<byte>.Shared.Rent(ChunkSize);
        try
        {
            var done = 0;
            while (done < labels.Length)
            {
                var want = Math.Min(ChunkSize, labels.Length - done);
                var got = DataFileStream.ReadFully(stream, buffer.AsSpan(0, want), path);
                if (got < want)
                {
                    throw Truncated(path, "label", labels.Length, done + got);
                }

                for (var i = 0; i < got; i++)
                {
                    labels[done + i] = buffer[i];
                }

                done += got;
            }

            EnsureEnd(stream, path, buffer);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        return labels;
    }

    // Header: two zero bytes, the element type, the number of dimensions, then one big-endian int32 per dimension.
    private static void ReadHeader(Stream stream, string path, Span<int> dimensions, string what)
    {
        Span<byte> magic = stackalloc byte[4];
        var got = DataFileStream.ReadFully(stream, magic, path);
        if (got == 0)
        {
            throw new DataFormatException(path, "file is empty");
        }

        if (got < magic.Length)
        {
            throw new DataFormatException(path, $"truncated: the IDX header needs 4 magic bytes, found {got}");
        }

        if (magic[0] != 0 || magic[1] != 0)
        {
            throw new DataFormatException(path, $"bad magic number 0x{BinaryPrimitives.ReadUInt32BigEndian(magic):X8}: not an IDX file (it must start with two zero bytes)");
        }

        if (magic[2] != UnsignedByteType)
        {
            throw new DataFormatException(path, $"unsupported element type 0x{magic[2]:X2} ({ElementTypeName(magic[2])}); only unsigned byte (0x08) is supported");
        }

        if (magic[3] != dimensions.Length)
        {
            throw new DataFormatException(path, $"has {magic[3]} dimensions; {what} need idx{dimensions.Length} (exactly {dimensions.Length})");
        }

        Span<byte> sizes = stackalloc byte[4 * dimensions.Length];
        got = DataFileStream.ReadFully(stream, sizes, path);
        if (got < sizes.Length)
        {
            throw new DataFormatException(path, $"truncated: the IDX header needs {sizes.Length} bytes of dimension sizes, found {got}");
        }

        for (var d = 0; d < dimensions.Length; d++)
        {
            var size = BinaryPrimitives.ReadInt32BigEndian(sizes.Slice(4 * d, 4));
            if (size < 0)
            {
                throw new DataFormatException(path, $"dimension {d} has a negative size ({size})");
            }

            dimensions[d] = size;
        }
    }

    // An uncompressed file's length is known up front: a short or long file fails before a huge header-sized array is allocated.
    private static void CheckPlainFileLength(Stream stream, string path, string what, int dimensionCount, long dataBytes)
    {
        if (stream is not FileStream file)
        {
            return;
        }

        var found = file.Length - (4 + 4L * dimensionCount);
        if (found < dataBytes)
        {
            throw Truncated(path, what, dataBytes, found);
        }

        if (found > dataBytes)
        {
            throw new DataFormatException(path, "has trailing bytes after the data its header declares");
        }
    }

    private static void Scale(ReadOnlySpan<byte> source, Span<float> destination)
    {
        var table = ScaledPixel;
        for (var i = 0; i < source.Length; i++)
        {
            destination[i] = table[source[i]];
        }
    }

    private static float[] BuildScaledPixelTable()
    {
        var table = new float[256];
        for (var value = 0; value < table.Length; value++)
        {
            table[value] = value / 255f;
        }

        return table;
    }

    private static void EnsureEnd(Stream stream, string path, byte[] buffer)
    {
        var extra = DataFileStream.ReadFully(stream, buffer.AsSpan(0, 1), path);
        if (extra != 0)
        {
            throw new DataFormatException(path, "has trailing bytes after the data its header declares");
        }
    }

    private static DataFormatException Truncated(string path, string what, long expected, long found) =>
        new(path, $"truncated: the header declares {expected} bytes of {what} data, found {found}");

    private static string ElementTypeName(byte type) => type switch
    {
        0x09 => "signed byte",
        0x0B => "int16",
        0x0C => "int32",
        0x0D => "float32",
        0x0E => "float64",
        _ => "unknown type",
    };
}
