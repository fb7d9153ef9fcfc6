using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace Kcm.DeePEn.Fusion;

/// <summary>
/// The on-disk cache of a relative matrix, read back by memory mapping. Layout (little-endian):
/// <code>
/// offset  bytes  field
///      0      8  magic "KCMRELMX"
///      8      4  format version (1)
///     12      4  kind: 1 dense, 2 sparse
///     16      4  |V|: rows (the model's vocabulary)
///     20      4  |A|: anchors
///     24      4  m: entries per row (dense: |A|)
///     28      4  scale (float32, the softmax sharpening)
///     32     32  key: SHA-256 of the inputs (<see cref="Key"/>)
///     64      8  mean retained mass (float64; sparse: the dense rows' mass on their kept anchors, dense: 1)
///     72      8  the file's total length in bytes
///     80     48  zero
///    128         dense: float32 R[v, a], row-major, |V| x |A|
///                sparse: float32 excesses |V| x m; then, from the next 64-byte boundary, int32 anchor indices
///                |V| x m; then, from the next 64-byte boundary, float32 tails |V|
/// </code>
/// Files are written to a temporary name in the same folder and renamed over the target, so a reader sees either the
/// old file or the whole new one. A file whose header, key, shape or length does not check out is never mapped.
/// </summary>
public static class RelativeMatrixFile
{
    public const string Extension = ".kcmrel";

    /// <summary>
    /// SHA-256 over everything R depends on: the embedding matrix (shape and float32 bytes), the model's anchor ids and
    /// the scale. Two inputs with the same key give the same R.
    /// </summary>
    public static byte[] Key(EmbeddingMatrix embeddings, ReadOnlySpan<int> anchorIds, float scale)
    {
        ArgumentNullException.ThrowIfNull(embeddings);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData("kcm relative matrix v1"u8);
        Span<int> shape = [embeddings.Rows, embeddings.Columns, anchorIds.Length, BitConverter.SingleToInt32Bits(scale)];
        hash.AppendData(MemoryMarshal.AsBytes(shape));
        hash.AppendData(MemoryMarshal.AsBytes(anchorIds));
        hash.AppendData(MemoryMarshal.AsBytes(embeddings.Values.AsSpan()));
        return hash.GetHashAndReset();
    }

    /// <summary>Writes a dense matrix atomically (temporary file, then rename).</summary>
    public static void WriteDense(string path, RelativeRepresentation matrix, ReadOnlySpan<byte> key, float scale)
    {
        ArgumentNullException.ThrowIfNull(matrix);
        var header = new RelativeMatrixHeader(RelativeMatrixKind.Dense, matrix.VocabularySize, matrix.AnchorCount, matrix.AnchorCount, scale, key.ToArray(), 1.0);
        WriteAtomically(path, header, stream =>
        {
            for (var v = 0; v < matrix.VocabularySize; v++)
            {
                stream.Write(MemoryMarshal.AsBytes(matrix.Row(v)));
            }
        });
    }

    /// <summary>Writes a sparse matrix atomically (temporary file, then rename).</summary>
    public static void WriteSparse(string path, SparseRelativeRepresentation matrix, ReadOnlySpan<byte> key, float scale)
    {
        ArgumentNullException.ThrowIfNull(matrix);
        var header = new RelativeMatrixHeader(RelativeMatrixKind.Sparse, matrix.VocabularySize, matrix.AnchorCount, matrix.AnchorsPerRow, scale, key.ToArray(), matrix.MeanRetainedMass);
        WriteAtomically(path, header, stream =>
        {
            for (var v = 0; v < matrix.VocabularySize; v++)
            {
                stream.Write(MemoryMarshal.AsBytes(matrix.RowValues(v)));
            }

            Pad(stream, header.AnchorIndicesOffset);
            for (var v = 0; v < matrix.VocabularySize; v++)
            {
                stream.Write(MemoryMarshal.AsBytes(matrix.RowAnchors(v)));
            }

            Pad(stream, header.TailsOffset);
            Span<float> tail = stackalloc float[1];
            for (var v = 0; v < matrix.VocabularySize; v++)
            {
                tail[0] = matrix.RowTail(v);
                stream.Write(MemoryMarshal.AsBytes(tail));
            }
        });
    }

    /// <summary>
    /// Maps a cache file of <paramref name="kind"/> whose key equals <paramref name="expectedKey"/> (and, for sparse,
    /// whose m equals <paramref name="anchorsPerRow"/>). Anything else — no file, a short file, another magic, version,
    /// kind, shape or key — is a <see cref="RelativeMatrixFileException"/> saying what, and nothing stays mapped.
    /// </summary>
    public static IRelativeMatrix Open(string path, RelativeMatrixKind kind, ReadOnlySpan<byte> expectedKey, int anchorsPerRow = 0)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("Relative matrix files are little-endian and mapped in place.");
        }

        if (!File.Exists(path))
        {
            throw new RelativeMatrixFileException(path, "no such file.");
        }

        ReadOnlyFileMapping mapping;
        try
        {
            mapping = ReadOnlyFileMapping.Open(path);
        }
        catch (IOException e)
        {
            throw new RelativeMatrixFileException(path, "cannot be mapped: " + e.Message, e);
        }

        try
        {
            RelativeMatrixHeader header;
            unsafe
            {
                header = RelativeMatrixHeader.Read(new ReadOnlySpan<byte>(mapping.Pointer, (int)Math.Min(mapping.Length, RelativeMatrixHeader.Size)), mapping.Length, path);
            }

            if (header.Kind != kind)
            {
                throw new RelativeMatrixFileException(path, $"holds a {header.Kind} matrix, {kind} was asked for.");
            }

            if (!header.Key.Span.SequenceEqual(expectedKey))
            {
                throw new RelativeMatrixFileException(path, "stale: its key does not match the embeddings, anchors and scale given.");
            }

            if (kind == RelativeMatrixKind.Sparse && header.AnchorsPerRow != anchorsPerRow)
            {
                throw new RelativeMatrixFileException(path, $"keeps {header.AnchorsPerRow} anchors per row, {anchorsPerRow} were asked for.");
            }

            return kind == RelativeMatrixKind.Dense ? new MappedRelativeMatrix(mapping, header) : new MappedSparseRelativeMatrix(mapping, header);
        }
        catch
        {
            mapping.Dispose();
            throw;
        }
    }

    private static void WriteAtomically(string path, RelativeMatrixHeader header, Action<FileStream> writeData)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(folder);
        var temporary = Path.Combine(folder, $".{Path.GetFileName(path)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 1 << 16))
            {
                Span<byte> bytes = stackalloc byte[RelativeMatrixHeader.Size];
                header.Write(bytes);
                stream.Write(bytes);
                writeData(stream);
                if (stream.Position != header.FileLength)
                {
                    throw new InvalidOperationException($"Wrote {stream.Position} bytes, the header declares {header.FileLength}.");
                }

                stream.Flush(flushToDisk: true);
            }

            // rename(2) replaces the target in one step: a concurrent reader maps the old file or the new one, whole.
            File.Move(temporary, path, overwrite: true);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }

    private static void Pad(FileStream stream, long offset)
    {
        Span<byte> zeros = stackalloc byte[RelativeMatrixHeader.Alignment];
        zeros.Clear();
        var missing = (int)(offset - stream.Position);
        stream.Write(zeros[..missing]);
    }
}
