using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Microsoft.Win32.SafeHandles;

namespace Kcm.Core.Weights;

/// <summary>
/// A safetensors file (or in-memory buffer) opened for reading. Only the header is held in memory; each tensor is
/// read on request with one positioned read, so a single embedding can be taken from a multi-gigabyte file.
/// Opening validates the header against the file length; <see cref="VerifyChecksum"/> streams the data section
/// through SHA-256 in fixed chunks and compares it with the "sha256" metadata.
/// </summary>
public sealed class SafetensorsFile : IDisposable
{
    private const int HashChunkBytes = 1 << 20;

    private readonly SafeFileHandle? _handle;
    private readonly ReadOnlyMemory<byte> _memory;
    private readonly long _dataStart;

    private SafetensorsFile(string source, SafetensorsHeader header, long dataStart, SafeFileHandle? handle, ReadOnlyMemory<byte> memory)
    {
        Source = source;
        Header = header;
        _dataStart = dataStart;
        _handle = handle;
        _memory = memory;
    }

    /// <summary>The path, or "buffer" for bytes in memory; used in error messages.</summary>
    public string Source { get; }

    public SafetensorsHeader Header { get; }

    public IReadOnlyDictionary<string, string> Metadata => Header.Metadata;

    /// <summary>Whether the metadata carries a "sha256" of the data section (KCM files always do; PyTorch's do not).</summary>
    public bool HasChecksum => Header.Metadata.ContainsKey(SafetensorsMetadataKeys.Sha256);

    /// <summary>
    /// Opens <paramref name="path"/> and validates its header. With <paramref name="verifyChecksum"/> (the default) a
    /// file that carries a "sha256" is hashed now and refused if it does not match.
    /// </summary>
    public static SafetensorsFile Open(string path, bool verifyChecksum = true)
    {
        ArgumentNullException.ThrowIfNull(path);
        var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.RandomAccess);
        try
        {
            var length = RandomAccess.GetLength(handle);
            Span<byte> prefix = stackalloc byte[8];
            var got = length >= 8 ? RandomAccess.Read(handle, prefix, 0) : 0;
            var headerLength = CheckPrefix(prefix[..got], length, path);
            var json = new byte[headerLength];
            if (RandomAccess.Read(handle, json, 8) != headerLength)
            {
                throw new SafetensorsFormatException(path, "truncated while reading the header");
            }

            var header = SafetensorsHeader.Parse(json, length - 8 - headerLength, path);
            var file = new SafetensorsFile(path, header, 8 + headerLength, handle, default);
            if (verifyChecksum && file.HasChecksum)
            {
                file.VerifyChecksum();
            }

            return file;
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>Reads a whole file from memory (no copy is made); validates like <see cref="Open"/>.</summary>
    public static SafetensorsFile FromMemory(ReadOnlyMemory<byte> bytes, bool verifyChecksum = true, string source = "buffer")
    {
        var span = bytes.Span;
        var headerLength = CheckPrefix(span[..Math.Min(8, span.Length)], span.Length, source);
        var header = SafetensorsHeader.Parse(span.Slice(8, (int)headerLength), span.Length - 8 - headerLength, source);
        var file = new SafetensorsFile(source, header, 8 + headerLength, null, bytes);
        if (verifyChecksum && file.HasChecksum)
        {
            file.VerifyChecksum();
        }

        return file;
    }

    /// <summary>The tensor's entry; throws <see cref="KeyNotFoundException"/> naming the file when absent.</summary>
    public TensorEntry Tensor(string name) =>
        Header.ByName.TryGetValue(name, out var entry)
            ? entry
            : throw new KeyNotFoundException($"Safetensors {Source} has no tensor '{name}'.");

    /// <summary>Lowercase hex SHA-256 of the data section, computed now.</summary>
    public string ComputeSha256()
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var length = Header.DataLength;
        if (_handle is null)
        {
            hash.AppendData(_memory.Span.Slice((int)_dataStart, (int)length));
        }
        else
        {
            var buffer = ArrayPool<byte>.Shared.Rent(HashChunkBytes);
            try
            {
                for (long done = 0; done < length;)
                {
                    var chunk = (int)Math.Min(HashChunkBytes, length - done);
                    ReadExactly(_dataStart + done, buffer.AsSpan(0, chunk));
                    hash.AppendData(buffer, 0, chunk);
                    done += chunk;
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    /// <summary>Throws <see cref="SafetensorsFormatException"/> when the "sha256" metadata is missing or does not match the data.</summary>
    public void VerifyChecksum()
    {
        if (!Header.Metadata.TryGetValue(SafetensorsMetadataKeys.Sha256, out var expected))
        {
            throw new SafetensorsFormatException(Source, "the metadata has no sha256 checksum");
        }

        var actual = ComputeSha256();
        if (!string.Equals(expected, actual, StringComparison.OrdinalIgnoreCase))
        {
            throw new SafetensorsFormatException(Source, $"checksum mismatch: the metadata says sha256 {expected} but the data hashes to {actual} (the file is corrupt)");
        }
    }

    /// <summary>Copies the raw little-endian bytes of a tensor into <paramref name="destination"/> (exactly its byte length).</summary>
    public void ReadBytes(TensorEntry entry, Span<byte> destination)
    {
        ArgumentNullException.ThrowIfNull(entry);
        if (destination.Length != entry.ByteLength)
        {
            throw new ArgumentException($"Tensor '{entry.Name}' has {entry.ByteLength} bytes; the destination holds {destination.Length}.", nameof(destination));
        }

        ReadExactly(_dataStart + entry.Begin, destination);
    }

    /// <summary>The tensor's raw bytes.</summary>
    public byte[] ReadBytes(string name)
    {
        var entry = Tensor(name);
        var bytes = new byte[checked((int)entry.ByteLength)];
        ReadBytes(entry, bytes);
        return bytes;
    }

    /// <summary>The tensor as float32 values, converted from F32, F16, BF16 or F64.</summary>
    public float[] ReadFloat32(string name)
    {
        var entry = Tensor(name);
        var count = checked((int)entry.ElementCount);
        var values = new float[count];
        if (entry.DType == TensorDType.F32)
        {
            ReadBytes(entry, MemoryMarshal.AsBytes(values.AsSpan()));
            if (!BitConverter.IsLittleEndian)
            {
                var bits = MemoryMarshal.Cast<float, int>(values.AsSpan());
                BinaryPrimitives.ReverseEndianness(bits, bits);
            }

            return values;
        }

        var raw = ArrayPool<byte>.Shared.Rent(checked((int)entry.ByteLength));
        try
        {
            var bytes = raw.AsSpan(0, (int)entry.ByteLength);
            ReadBytes(entry, bytes);
            switch (entry.DType)
            {
                case TensorDType.F16:
                    for (var i = 0; i < count; i++)
                    {
                        values[i] = (float)BinaryPrimitives.ReadHalfLittleEndian(bytes[(i * 2)..]);
                    }

                    break;
                case TensorDType.BF16:
                    for (var i = 0; i < count; i++)
                    {
                        values[i] = BitConverter.UInt32BitsToSingle((uint)BinaryPrimitives.ReadUInt16LittleEndian(bytes[(i * 2)..]) << 16);
                    }

                    break;
                case TensorDType.F64:
                    for (var i = 0; i < count; i++)
                    {
                        values[i] = (float)BinaryPrimitives.ReadDoubleLittleEndian(bytes[(i * 8)..]);
                    }

                    break;
                default:
                    throw new InvalidOperationException($"Tensor '{name}' in {Source} is {TensorDTypes.Name(entry.DType)}, not a floating-point type.");
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(raw);
        }

        return values;
    }

    /// <summary>The tensor as int64 values, converted from I64, I32, I16, I8, U8 or BOOL.</summary>
    public long[] ReadInt64(string name)
    {
        var entry = Tensor(name);
        var count = checked((int)entry.ElementCount);
        var values = new long[count];
        var raw = ArrayPool<byte>.Shared.Rent(checked((int)entry.ByteLength));
        try
        {
            var bytes = raw.AsSpan(0, (int)entry.ByteLength);
            ReadBytes(entry, bytes);
            for (var i = 0; i < count; i++)
            {
                values[i] = entry.DType switch
                {
                    TensorDType.I64 => BinaryPrimitives.ReadInt64LittleEndian(bytes[(i * 8)..]),
                    TensorDType.I32 => BinaryPrimitives.ReadInt32LittleEndian(bytes[(i * 4)..]),
                    TensorDType.I16 => BinaryPrimitives.ReadInt16LittleEndian(bytes[(i * 2)..]),
                    TensorDType.I8 => (sbyte)bytes[i],
                    TensorDType.U8 or TensorDType.BOOL => bytes[i],
                    _ => throw new InvalidOperationException($"Tensor '{name}' in {Source} is {TensorDTypes.Name(entry.DType)}, not an integer type."),
                };
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(raw);
        }

        return values;
    }

    public void Dispose() => _handle?.Dispose();

    private static long CheckPrefix(ReadOnlySpan<byte> prefix, long totalLength, string source)
    {
        if (prefix.Length < 8)
        {
            throw new SafetensorsFormatException(source, $"truncated: {totalLength} bytes is shorter than the 8-byte header length");
        }

        var headerLength = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
        if (headerLength == 0 || headerLength > SafetensorsHeader.MaxHeaderBytes)
        {
            throw new SafetensorsFormatException(source, $"header length {headerLength} is outside 1..{SafetensorsHeader.MaxHeaderBytes}");
        }

        if ((long)headerLength > totalLength - 8)
        {
            throw new SafetensorsFormatException(source, $"truncated: the header needs {headerLength} bytes but only {totalLength - 8} follow the length");
        }

        return (long)headerLength;
    }

    private void ReadExactly(long offset, Span<byte> destination)
    {
        if (_handle is null)
        {
            _memory.Span.Slice((int)offset, destination.Length).CopyTo(destination);
            return;
        }

        while (!destination.IsEmpty)
        {
            var read = RandomAccess.Read(_handle, destination, offset);
            if (read == 0)
            {
                throw new SafetensorsFormatException(Source, "truncated while reading tensor data (the file shrank after it was opened)");
            }

            destination = destination[read..];
            offset += read;
        }
    }
}
