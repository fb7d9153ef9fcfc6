using System.Buffers.Binary;
using System.Text;

namespace Kcm.Core.Data;

/// <summary>
/// Reads R's binary serialization (format "X", big-endian XDR, versions 2 and 3) as written inside .rda/.RData files
/// after the "RDX2\n"/"RDX3\n" magic. Supports what data sets are made of: vectors (logical, integer, real, character,
/// list), pairlists, symbols, references and attributes. Environments, closures and byte code are refused by name.
/// </summary>
internal sealed class RSerializationReader(Stream stream, string path)
{
    private const int ReferenceType = 255;
    private const int NilValueType = 254;
    private const int GlobalEnvType = 253;
    private const int UnboundValueType = 252;
    private const int MissingArgType = 251;
    private const int BaseNamespaceType = 250;
    private const int EmptyEnvType = 242;
    private const int BaseEnvType = 241;
    private const int HasAttributesFlag = 1 << 9;
    private const int HasTagFlag = 1 << 10;
    private const int MaxVectorLength = 1 << 28;

    private readonly List<RValue> _references = [];
    private readonly byte[] _scratch = new byte[8];

    /// <summary>Reads the "X\n" format line, the version header and the one top-level object.</summary>
    public RValue ReadTopLevel()
    {
        Span<byte> format = stackalloc byte[2];
        ReadExactly(format);
        if (format[0] != (byte)'X' || format[1] != (byte)'\n')
        {
            throw Error($"R serialization format '{(char)format[0]}' is not supported (only binary XDR, 'X')");
        }

        var version = ReadInt();
        _ = ReadInt();
        _ = ReadInt();
        if (version == 3)
        {
            var encodingLength = ReadInt();
            ReadBytes(encodingLength);
        }
        else if (version != 2)
        {
            throw Error($"R serialization version {version} is not supported (2 or 3)");
        }

        return ReadItem();
    }

    private RValue ReadItem()
    {
        var flags = ReadInt();
        var type = flags & 0xFF;
        var hasAttributes = (flags & HasAttributesFlag) != 0;
        var hasTag = (flags & HasTagFlag) != 0;
        switch (type)
        {
            case NilValueType:
            case GlobalEnvType:
            case UnboundValueType:
            case MissingArgType:
            case BaseNamespaceType:
            case EmptyEnvType:
            case BaseEnvType:
                return RValue.Nil;
            case ReferenceType:
            {
                var index = flags >> 8;
                if (index == 0)
                {
                    index = ReadInt();
                }

                if (index < 1 || index > _references.Count)
                {
                    throw Error($"reference {index} points outside the {_references.Count} objects read so far");
                }

                return _references[index - 1];
            }

            case RValue.SymbolType:
            {
                var name = ReadItem();
                var symbol = new RValue(RValue.SymbolType, name.Values as string ?? string.Empty);
                _references.Add(symbol);
                return symbol;
            }

            case RValue.PairListType:
            case 6: // LANGSXP
            case 17: // DOTSXP
                return ReadPairList(type, hasAttributes, hasTag);
            case RValue.CharType:
            {
                var length = ReadInt();
                return new RValue(RValue.CharType, length < 0 ? null : Encoding.UTF8.GetString(ReadBytes(length)));
            }

            case RValue.LogicalType:
            case RValue.IntegerType:
            {
                var values = new int[ReadLength()];
                for (var i = 0; i < values.Length; i++)
                {
                    values[i] = ReadInt();
                }

                return WithAttributes(new RValue(type, values), hasAttributes);
            }

            case RValue.RealType:
            {
                var values = new double[ReadLength()];
                for (var i = 0; i < values.Length; i++)
                {
                    ReadExactly(_scratch.AsSpan(0, 8));
                    values[i] = BinaryPrimitives.ReadDoubleBigEndian(_scratch);
                }

                return WithAttributes(new RValue(type, values), hasAttributes);
            }

            case RValue.StringType:
            {
                var values = new string?[ReadLength()];
                for (var i = 0; i < values.Length; i++)
                {
                    values[i] = ReadItem().Values as string;
                }

                return WithAttributes(new RValue(type, values), hasAttributes);
            }

            case RValue.ListType:
            case 20: // EXPRSXP
            {
                var values = new RValue[ReadLength()];
                for (var i = 0; i < values.Length; i++)
                {
                    values[i] = ReadItem();
                }

                return WithAttributes(new RValue(RValue.ListType, values), hasAttributes);
            }

            default:
                throw Error($"R object type {type} is not supported in a data set (environments, functions and byte code are not read)");
        }
    }

    private RValue ReadPairList(int type, bool hasAttributes, bool hasTag)
    {
        // A pairlist is a chain of cells (attributes?, tag?, CAR, CDR); read it as one list with tags.
        var values = new List<RValue>();
        var tags = new List<string?>();
        RValue? attributes = null;
        var first = true;
        while (true)
        {
            var cellAttributes = hasAttributes ? ReadItem() : null;
            if (first)
            {
                attributes = cellAttributes;
                first = false;
            }

            tags.Add(hasTag ? ReadItem().Values as string : null);
            values.Add(ReadItem());
            var flags = ReadInt();
            var next = flags & 0xFF;
            if (next == NilValueType)
            {
                break;
            }

            if (next != type)
            {
                throw Error($"a pairlist continues with an object of type {next}");
            }

            hasAttributes = (flags & HasAttributesFlag) != 0;
            hasTag = (flags & HasTagFlag) != 0;
        }

        var list = new RValue(RValue.PairListType, values.ToArray(), tags);
        if (attributes is not null)
        {
            CopyAttributes(attributes, list);
        }

        return list;
    }

    private RValue WithAttributes(RValue value, bool hasAttributes)
    {
        if (hasAttributes)
        {
            CopyAttributes(ReadItem(), value);
        }

        return value;
    }

    private static void CopyAttributes(RValue attributes, RValue target)
    {
        if (attributes.Values is RValue[] values && attributes.Tags is { } tags)
        {
            for (var i = 0; i < values.Length; i++)
            {
                if (tags[i] is { } name)
                {
                    target.Attributes[name] = values[i];
                }
            }
        }
    }

    private int ReadLength()
    {
        var length = ReadInt();
        if (length == -1)
        {
            var upper = ReadInt();
            var lower = ReadInt();
            var longLength = ((long)upper << 32) + (uint)lower;
            throw Error($"a vector of {longLength} elements is too long to read");
        }

        if (length < 0 || length > MaxVectorLength)
        {
            throw Error($"vector length {length} is invalid");
        }

        return length;
    }

    private int ReadInt()
    {
        ReadExactly(_scratch.AsSpan(0, 4));
        return BinaryPrimitives.ReadInt32BigEndian(_scratch);
    }

    private byte[] ReadBytes(int length)
    {
        if (length < 0 || length > MaxVectorLength)
        {
            throw Error($"string length {length} is invalid");
        }

        var bytes = new byte[length];
        ReadExactly(bytes);
        return bytes;
    }

    private void ReadExactly(Span<byte> buffer)
    {
        if (DataFileStream.ReadFully(stream, buffer, path) != buffer.Length)
        {
            throw Error("truncated R data (the stream ended inside an object)");
        }
    }

    private DataFormatException Error(string problem) => new(path, problem);
}
