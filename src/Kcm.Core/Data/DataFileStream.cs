using System.IO.Compression;

namespace Kcm.Core.Data;

/// <summary>Opens a data file for reading, decompressing it when it starts with the gzip magic bytes (whatever its name).</summary>
internal static class DataFileStream
{
    private const byte GzipMagic0 = 0x1F;
    private const byte GzipMagic1 = 0x8B;
    private const int FileBufferSize = 1 << 16;

    public static Stream Open(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileBufferSize, FileOptions.SequentialScan);
        try
        {
            if (file.Length == 0)
            {
                throw new DataFormatException(path, "file is empty");
            }

            Span<byte> magic = stackalloc byte[2];
            var read = file.ReadAtLeast(magic, magic.Length, throwOnEndOfStream: false);
            file.Position = 0;
            if (read == 2 && magic[0] == GzipMagic0 && magic[1] == GzipMagic1)
            {
                return new GZipStream(file, CompressionMode.Decompress, leaveOpen: false);
            }

            return file;
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>Reads until <paramref name="buffer"/> is full or the data ends; a corrupt gzip stream becomes a <see cref="DataFormatException"/>.</summary>
    public static int ReadFully(Stream stream, Span<byte> buffer, string path)
    {
        try
        {
            return stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
        }
        catch (InvalidDataException e)
        {
            throw new DataFormatException(path, $"corrupt gzip data ({e.Message})", e);
        }
    }
}
