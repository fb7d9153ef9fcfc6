using System.Collections.Immutable;
using System.Text.Json;

namespace Kcm.Core.Weights;

/// <summary>
/// The parsed JSON header of a safetensors file: tensors in data order and the "__metadata__" string map.
/// Parsing checks everything the header promises against the data section's length: known dtypes, non-negative
/// shapes, byte ranges that match dtype x shape, and ranges that tile the data section exactly (no gap, no overlap,
/// nothing missing), as the format requires.
/// </summary>
public sealed class SafetensorsHeader
{
    /// <summary>The format's reserved key for the free-form string map.</summary>
    public const string MetadataKey = "__metadata__";

    /// <summary>Largest header accepted (the reference implementation's limit), so a corrupt length cannot make us allocate gigabytes.</summary>
    public const long MaxHeaderBytes = 100_000_000;

    private SafetensorsHeader(ImmutableArray<TensorEntry> tensors, ImmutableDictionary<string, string> metadata)
    {
        Tensors = tensors;
        Metadata = metadata;
        var byName = ImmutableDictionary.CreateBuilder<string, TensorEntry>(StringComparer.Ordinal);
        foreach (var tensor in tensors)
        {
            byName.Add(tensor.Name, tensor);
        }

        ByName = byName.ToImmutable();
    }

    /// <summary>Tensors ordered by their position in the data section.</summary>
    public ImmutableArray<TensorEntry> Tensors { get; }

    public ImmutableDictionary<string, TensorEntry> ByName { get; }

    public ImmutableDictionary<string, string> Metadata { get; }

    /// <summary>Bytes of the data section the tensors cover.</summary>
    public long DataLength => Tensors.IsEmpty ? 0 : Tensors[^1].End;

    /// <summary>Parses and validates <paramref name="json"/> for a data section of <paramref name="dataLength"/> bytes.</summary>
    public static SafetensorsHeader Parse(ReadOnlySpan<byte> json, long dataLength, string source)
    {
        var trimmed = json.TrimEnd((byte)' ');
        if (trimmed.IsEmpty || trimmed[0] != (byte)'{')
        {
            throw new SafetensorsFormatException(source, "the header is not a JSON object (it must start with '{')");
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(trimmed.ToArray(), new JsonDocumentOptions { MaxDepth = 8 });
        }
        catch (JsonException e)
        {
            throw new SafetensorsFormatException(source, $"the header is not valid JSON ({e.Message})", e);
        }

        using (document)
        {
            var tensors = new List<TensorEntry>();
            var metadata = ImmutableDictionary<string, string>.Empty;
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var property in document.RootElement.EnumerateObject())
            {
                if (!seen.Add(property.Name))
                {
                    throw new SafetensorsFormatException(source, $"the header names '{property.Name}' twice");
                }

                if (property.Name == MetadataKey)
                {
                    metadata = ParseMetadata(property.Value, source);
                }
                else
                {
                    tensors.Add(ParseTensor(property.Name, property.Value, source));
                }
            }

            tensors.Sort((a, b) => a.Begin != b.Begin ? a.Begin.CompareTo(b.Begin) : a.End.CompareTo(b.End));
            CheckTiling(tensors, dataLength, source);
            return new SafetensorsHeader([.. tensors], metadata);
        }
    }

    private static ImmutableDictionary<string, string> ParseMetadata(JsonElement element, string source)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw new SafetensorsFormatException(source, $"'{MetadataKey}' must be an object of strings");
        }

        var builder = ImmutableDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
        foreach (var entry in element.EnumerateObject())
        {
            if (entry.Value.ValueKind != JsonValueKind.String)
            {
                throw new SafetensorsFormatException(source, $"metadata '{entry.Name}' is not a string");
            }

            if (builder.ContainsKey(entry.Name))
            {
                throw new SafetensorsFormatException(source, $"metadata names '{entry.Name}' twice");
            }

            builder.Add(entry.Name, entry.Value.GetString()!);
        }

        return builder.ToImmutable();
    }

    private static TensorEntry ParseTensor(string name, JsonElement element, string source)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw new SafetensorsFormatException(source, $"tensor '{name}' is not an object");
        }

        if (!element.TryGetProperty("dtype", out var dtypeElement) || dtypeElement.ValueKind != JsonValueKind.String)
        {
            throw new SafetensorsFormatException(source, $"tensor '{name}' has no string 'dtype'");
        }

        var dtypeName = dtypeElement.GetString()!;
        if (!TensorDTypes.TryParse(dtypeName, out var dtype))
        {
            throw new SafetensorsFormatException(source, $"tensor '{name}' has unsupported dtype '{dtypeName}'");
        }

        var shape = ReadNonNegativeIntegers(element, "shape", name, source);
        var offsets = ReadNonNegativeIntegers(element, "data_offsets", name, source);
        if (offsets.Length != 2)
        {
            throw new SafetensorsFormatException(source, $"tensor '{name}' needs 'data_offsets' [begin, end], has {offsets.Length} values");
        }

        var (begin, end) = (offsets[0], offsets[1]);
        if (end < begin)
        {
            throw new SafetensorsFormatException(source, $"tensor '{name}' ends at {end}, before it begins at {begin}");
        }

        var entry = new TensorEntry(name, dtype, shape, begin, end);
        long expected;
        try
        {
            expected = checked(entry.ElementCount * TensorDTypes.SizeOf(dtype));
        }
        catch (OverflowException e)
        {
            throw new SafetensorsFormatException(source, $"tensor '{name}' has an impossibly large shape", e);
        }

        if (expected != entry.ByteLength)
        {
            throw new SafetensorsFormatException(
                source,
                $"tensor '{name}' of shape [{string.Join(',', shape)}] {dtypeName} needs {expected} bytes but its offsets [{begin}, {end}] span {entry.ByteLength}");
        }

        return entry;
    }

    private static ImmutableArray<long> ReadNonNegativeIntegers(JsonElement element, string field, string tensor, string source)
    {
        if (!element.TryGetProperty(field, out var array) || array.ValueKind != JsonValueKind.Array)
        {
            throw new SafetensorsFormatException(source, $"tensor '{tensor}' has no array '{field}'");
        }

        var builder = ImmutableArray.CreateBuilder<long>(array.GetArrayLength());
        foreach (var item in array.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Number || !item.TryGetInt64(out var value) || value < 0)
            {
                throw new SafetensorsFormatException(source, $"tensor '{tensor}' has '{field}' value {item.GetRawText()}, not a non-negative integer");
            }

            builder.Add(value);
        }

        return builder.MoveToImmutable();
    }

    private static void CheckTiling(List<TensorEntry> tensors, long dataLength, string source)
    {
        long position = 0;
        foreach (var tensor in tensors)
        {
            if (tensor.Begin != position)
            {
                throw new SafetensorsFormatException(
                    source,
                    tensor.Begin > position
                        ? $"tensor '{tensor.Name}' begins at {tensor.Begin}, leaving a gap after byte {position}"
                        : $"tensor '{tensor.Name}' begins at {tensor.Begin}, overlapping the tensor that ends at {position}");
            }

            position = tensor.End;
        }

        if (position > dataLength)
        {
            throw new SafetensorsFormatException(source, $"truncated: the tensors need {position} data bytes but only {dataLength} are present");
        }

        if (position < dataLength)
        {
            throw new SafetensorsFormatException(source, $"{dataLength - position} bytes after the last tensor are not described by the header");
        }
    }
}
