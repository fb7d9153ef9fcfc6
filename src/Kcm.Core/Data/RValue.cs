namespace Kcm.Core.Data;

/// <summary>
/// One object read from R's serialization format, reduced to what a data frame needs: its SEXP type, its values
/// (double[], int[], string?[] or RValue[] for lists and pairlists), the tags of a pairlist's elements, and its attributes.
/// </summary>
internal sealed class RValue(int type, object? values, IReadOnlyList<string?>? tags = null)
{
    public const int NilType = 0;
    public const int SymbolType = 1;
    public const int PairListType = 2;
    public const int CharType = 9;
    public const int LogicalType = 10;
    public const int IntegerType = 13;
    public const int RealType = 14;
    public const int StringType = 16;
    public const int ListType = 19;

    /// <summary>R's NA_integer_ (also NA for logical vectors).</summary>
    public const int NaInteger = int.MinValue;

    public static RValue Nil { get; } = new(NilType, null);

    public int Type { get; } = type;

    /// <summary>double[] (real), int[] (integer, logical, factor codes), string?[] (character), RValue[] (list, pairlist), string (symbol, char).</summary>
    public object? Values { get; } = values;

    /// <summary>The tag of each pairlist element (null where untagged); null for other types.</summary>
    public IReadOnlyList<string?>? Tags { get; } = tags;

    public Dictionary<string, RValue> Attributes { get; } = new(StringComparer.Ordinal);

    /// <summary>The class attribute's first entry, or null.</summary>
    public string? ClassName => Attributes.TryGetValue("class", out var c) && c.Values is string?[] { Length: > 0 } names ? names[0] : null;

    /// <summary>Every entry of the class attribute.</summary>
    public bool HasClass(string name) =>
        Attributes.TryGetValue("class", out var c) && c.Values is string?[] names && Array.IndexOf(names, name) >= 0;
}
