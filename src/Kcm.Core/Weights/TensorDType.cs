namespace Kcm.Core.Weights;

/// <summary>Element types of a safetensors tensor, named as the format's "dtype" field spells them.</summary>
public enum TensorDType
{
    F64,
    F32,
    F16,
    BF16,
    I64,
    I32,
    I16,
    I8,
    U8,
    BOOL,
}
