using System.Security.Cryptography;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Kcm.Core.Weights;

/// <summary>
/// Writes tensors in the safetensors layout the reference implementation produces: 8-byte little-endian header
/// length, a compact JSON header ("__metadata__" first) padded with spaces to a multiple of 8 bytes, then the tensors'
/// bytes back to back, largest element size first and by name, so every tensor is aligned to its element size.
/// The metadata always gets a "sha256" of the data section.
/// </summary>
public static class SafetensorsWriter
{
    private const int HeaderAlignment = 8;

    /// <summary>Writes a complete file to <paramref name="destination"/>.</summary>
    public static void Write(Stream destination, IReadOnlyCollection<TensorData> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(destination);
        var ordered = Validate(tensors, metadata);

        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var tensor in ordered)
        {
            hash.AppendData(tensor.Bytes.Span);
        }

        var allMetadata = new SortedDictionary<string, string>(StringComparer.Ordinal);
        if (metadata is not null)
        {
            foreach (var (key, value) in metadata)
            {
                allMetadata[key] = value;
            }
        }

        allMetadata[SafetensorsMetadataKeys.Sha256] = Convert.ToHexStringLower(hash.GetHashAndReset());
        var header = Header(ordered, allMetadata);
        Span<byte> prefix = stackalloc byte[8];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(prefix, (ulong)header.Length);
        destination.Write(prefix);
        destination.Write(header);
        foreach (var tensor in ordered)
        {
            destination.Write(tensor.Bytes.Span);
        }
    }

    /// <summary>The complete file as bytes.</summary>
    public static byte[] ToBytes(IReadOnlyCollection<TensorData> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        using var stream = new MemoryStream();
        Write(stream, tensors, metadata);
        return stream.ToArray();
    }

    /// <summary>Writes to <paramref name="path"/> through a temporary file in the same folder, so readers never see half a file.</summary>
    public static void WriteFile(string path, IReadOnlyCollection<TensorData> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        var full = Path.GetFullPath(path);
        var temporary = full + ".tmp-" + Environment.ProcessId + "-" + Guid.NewGuid().ToString("N");
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                Write(stream, tensors, metadata);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temporary, full, overwrite: true);
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    private static List<TensorData> Validate(IReadOnlyCollection<TensorData> tensors, IReadOnlyDictionary<string, string>? metadata)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        var errors = new List<string>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var tensor in tensors)
        {
            if (string.IsNullOrEmpty(tensor.Name) || tensor.Name == SafetensorsHeader.MetadataKey)
            {
                errors.Add($"tensor name '{tensor.Name}' is empty or reserved.");
                continue;
            }

            if (!names.Add(tensor.Name))
            {
                errors.Add($"tensor '{tensor.Name}' appears twice.");
            }

            long elements = 1;
            foreach (var size in tensor.Shape)
            {
                if (size < 0)
                {
                    errors.Add($"tensor '{tensor.Name}' has a negative dimension.");
                }

                elements *= Math.Max(size, 0);
            }

            if (elements * TensorDTypes.SizeOf(tensor.DType) != tensor.Bytes.Length)
            {
                errors.Add($"tensor '{tensor.Name}' of shape [{string.Join(',', tensor.Shape)}] {TensorDTypes.Name(tensor.DType)} needs {elements * TensorDTypes.SizeOf(tensor.DType)} bytes, has {tensor.Bytes.Length}.");
            }
        }

        if (metadata is not null && metadata.ContainsKey(SafetensorsMetadataKeys.Sha256))
        {
            errors.Add($"metadata must not set '{SafetensorsMetadataKeys.Sha256}': the writer computes it.");
        }

        if (errors.Count > 0)
        {
            throw new ArgumentException("Cannot write safetensors: " + string.Join(" ", errors), nameof(tensors));
        }

        var ordered = tensors.ToList();
        ordered.Sort((a, b) =>
        {
            var bySize = TensorDTypes.SizeOf(b.DType).CompareTo(TensorDTypes.SizeOf(a.DType));
            return bySize != 0 ? bySize : string.CompareOrdinal(a.Name, b.Name);
        });
        return ordered;
    }

    private static byte[] Header(List<TensorData> ordered, SortedDictionary<string, string> metadata)
    {
        using var buffer = new MemoryStream();
        // Relaxed escaping keeps '+' and the like readable in metadata; the output is still plain JSON.
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            json.WriteStartObject(SafetensorsHeader.MetadataKey);
            foreach (var (key, value) in metadata)
            {
                json.WriteString(key, value);
            }

            json.WriteEndObject();
            long offset = 0;
            foreach (var tensor in ordered)
            {
                json.WriteStartObject(tensor.Name);
                json.WriteString("dtype", TensorDTypes.Name(tensor.DType));
                json.WriteStartArray("shape");
                foreach (var size in tensor.Shape)
                {
                    json.WriteNumberValue(size);
                }

                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                json.WriteNumberValue(offset + tensor.Bytes.Length);
                json.WriteEndArray();
                json.WriteEndObject();
                offset += tensor.Bytes.Length;
            }

            json.WriteEndObject();
        }

        var padded = (int)((buffer.Length + HeaderAlignment - 1) / HeaderAlignment * HeaderAlignment);
        while (buffer.Length < padded)
        {
            buffer.WriteByte((byte)' ');
        }

        return buffer.ToArray();
    }
}
