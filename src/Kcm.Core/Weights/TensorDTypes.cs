namespace Kcm.Core.Weights;

/// <summary>Byte sizes and header names of <see cref="TensorDType"/> values.</summary>
public static class TensorDTypes
{
    /// <summary>Bytes per element.</summary>
    public static int SizeOf(TensorDType dtype) => dtype switch
    {
        TensorDType.F64 or TensorDType.I64 => 8,
        TensorDType.F32 or TensorDType.I32 => 4,
        TensorDType.F16 or TensorDType.BF16 or TensorDType.I16 => 2,
        TensorDType.I8 or TensorDType.U8 or TensorDType.BOOL => 1,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "Unknown dtype."),
    };

    /// <summary>The header spelling, e.g. "F32".</summary>
    public static string Name(TensorDType dtype) => dtype switch
    {
        TensorDType.F64 => "F64",
        TensorDType.F32 => "F32",
        TensorDType.F16 => "F16",
        TensorDType.BF16 => "BF16",
        TensorDType.I64 => "I64",
        TensorDType.I32 => "I32",
        TensorDType.I16 => "I16",
        TensorDType.I8 => "I8",
        TensorDType.U8 => "U8",
        TensorDType.BOOL => "BOOL",
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "Unknown dtype."),
    };

    /// <summary>Parses a header "dtype" value; false for a type this reader does not support (e.g. F8_E4M3).</summary>
    public static bool TryParse(string name, out TensorDType dtype)
    {
        foreach (var candidate in Enum.GetValues<TensorDType>())
        {
            if (string.Equals(Name(candidate), name, StringComparison.Ordinal))
            {
                dtype = candidate;
                return true;
            }
        }

        dtype = default;
        return false;
    }
}
