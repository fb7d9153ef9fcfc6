using System.Buffers.Binary;

namespace Kcm.DeePEn.Fusion;

/// <summary>
/// The fixed 128-byte header of a relative matrix cache file (little-endian; layout in <see cref="RelativeMatrixFile"/>).
/// It states the shape, the construction's scale and the key of the inputs, and the file's total length, so a file
/// cut short is recognised before any data is mapped.
/// </summary>
public readonly record struct RelativeMatrixHeader(
    RelativeMatrixKind Kind,
    int VocabularySize,
    int AnchorCount,
    int AnchorsPerRow,
    float Scale,
    ReadOnlyMemory<byte> Key,
    double MeanRetainedMass)
{
    public const int Size = 128;
    /// <summary>2: sparse excesses and tails below <see cref="SparseRelativeRepresentation.NegligibleValue"/> are stored as 0 (files of version 1 are rebuilt).</summary>
    public const int CurrentVersion = 2;
    public const int KeyLength = 32;

    /// <summary>Every data section starts on this boundary (a cache line and an AVX-512 vector).</summary>
    public const int Alignment = 64;

    /// <summary>"KCMRELMX": the first 8 bytes of every file.</summary>
    public static ReadOnlySpan<byte> Magic => "KCMRELMX"u8;

    /// <summary>Entries per data section's row set: |V| x |A| for dense, |V| x m for sparse.</summary>
    public long Entries => (long)VocabularySize * (Kind == RelativeMatrixKind.Dense ? AnchorCount : AnchorsPerRow);

    /// <summary>Offset of the float32 values (dense) or excesses (sparse).</summary>
    public static long ValuesOffset => Size;

    /// <summary>Offset of the int32 anchor indices (sparse only).</summary>
    public long AnchorIndicesOffset => Align(ValuesOffset + (Entries * sizeof(float)));

    /// <summary>Offset of the float32 tails, one per row (sparse only).</summary>
    public long TailsOffset => Align(AnchorIndicesOffset + (Entries * sizeof(int)));

    /// <summary>The whole file's length in bytes.</summary>
    public long FileLength => Kind == RelativeMatrixKind.Dense
        ? ValuesOffset + (Entries * sizeof(float))
        : TailsOffset + ((long)VocabularySize * sizeof(float));

    public void Write(Span<byte> destination)
    {
        if (destination.Length < Size || Key.Length != KeyLength)
        {
            throw new ArgumentException($"A header needs {Size} bytes and a {KeyLength}-byte key.");
        }

        destination[..Size].Clear();
        Magic.CopyTo(destination);
        BinaryPrimitives.WriteInt32LittleEndian(destination[8..], CurrentVersion);
        BinaryPrimitives.WriteInt32LittleEndian(destination[12..], (int)Kind);
        BinaryPrimitives.WriteInt32LittleEndian(destination[16..], VocabularySize);
        BinaryPrimitives.WriteInt32LittleEndian(destination[20..], AnchorCount);
        BinaryPrimitives.WriteInt32LittleEndian(destination[24..], AnchorsPerRow);
        BinaryPrimitives.WriteSingleLittleEndian(destination[28..], Scale);
        Key.Span.CopyTo(destination[32..]);
        BinaryPrimitives.WriteDoubleLittleEndian(destination[64..], MeanRetainedMass);
        BinaryPrimitives.WriteInt64LittleEndian(destination[72..], FileLength);
    }

    /// <summary>Reads and checks a header against the file's actual length; any inconsistency names itself.</summary>
    public static RelativeMatrixHeader Read(ReadOnlySpan<byte> source, long actualFileLength, string path)
    {
        if (source.Length < Size || actualFileLength < Size)
        {
            throw new RelativeMatrixFileException(path, $"truncated: {actualFileLength} bytes, shorter than the {Size}-byte header.");
        }

        if (!source[..8].SequenceEqual(Magic))
        {
            throw new RelativeMatrixFileException(path, "bad magic: not a relative matrix file.");
        }

        var version = BinaryPrimitives.ReadInt32LittleEndian(source[8..]);
        if (version != CurrentVersion)
        {
            throw new RelativeMatrixFileException(path, $"format version {version}, this reader knows {CurrentVersion}.");
        }

        var kind = (RelativeMatrixKind)BinaryPrimitives.ReadInt32LittleEndian(source[12..]);
        var header = new RelativeMatrixHeader(
            kind,
            BinaryPrimitives.ReadInt32LittleEndian(source[16..]),
            BinaryPrimitives.ReadInt32LittleEndian(source[20..]),
            BinaryPrimitives.ReadInt32LittleEndian(source[24..]),
            BinaryPrimitives.ReadSingleLittleEndian(source[28..]),
            source.Slice(32, KeyLength).ToArray(),
            BinaryPrimitives.ReadDoubleLittleEndian(source[64..]));
        var declaredLength = BinaryPrimitives.ReadInt64LittleEndian(source[72..]);
        if (kind is not (RelativeMatrixKind.Dense or RelativeMatrixKind.Sparse))
        {
            throw new RelativeMatrixFileException(path, $"unknown kind {(int)kind}.");
        }

        if (header.VocabularySize <= 0 || header.AnchorCount <= 0 || header.AnchorsPerRow <= 0 || header.AnchorsPerRow > header.AnchorCount
            || (kind == RelativeMatrixKind.Dense && header.AnchorsPerRow != header.AnchorCount))
        {
            throw new RelativeMatrixFileException(path, $"impossible shape |V| {header.VocabularySize}, |A| {header.AnchorCount}, m {header.AnchorsPerRow}.");
        }

        if (declaredLength != header.FileLength || actualFileLength != header.FileLength)
        {
            throw new RelativeMatrixFileException(path, $"truncated or padded: {actualFileLength} bytes, the header declares {declaredLength} and its shape needs {header.FileLength}.");
        }

        return header;
    }

    private static long Align(long offset) => (offset + Alignment - 1) / Alignment * Alignment;
}
