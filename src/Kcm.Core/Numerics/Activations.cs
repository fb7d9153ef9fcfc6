using System.Numerics.Tensors;

namespace Kcm.Core.Numerics;

/// <summary>Element-wise activations and their derivatives.</summary>
public static class Activations
{
    /// <summary>y = max(x, 0).</summary>
    public static void Relu(ReadOnlySpan<float> x, Span<float> y) => TensorPrimitives.Max(x, 0f, y);

    /// <summary>gradient[i] = 0 where the ReLU output was 0 (the ReLU backward pass, in place).</summary>
    public static void ReluBackward(ReadOnlySpan<float> output, Span<float> gradient)
    {
        for (var i = 0; i < gradient.Length; i++)
        {
            if (output[i] <= 0f)
            {
                gradient[i] = 0f;
            }
        }
    }

    /// <summary>SiLU(x) = x * sigmoid(x).</summary>
    public static float Silu(float x) => x / (1f + MathF.Exp(-x));

    /// <summary>d SiLU / dx = s (1 + x (1 - s)) with s = sigmoid(x).</summary>
    public static float SiluDerivative(float x)
    {
        var s = 1f / (1f + MathF.Exp(-x));
        return s * (1f + (x * (1f - s)));
    }

    /// <summary>y = SiLU(x) element-wise.</summary>
    public static void Silu(ReadOnlySpan<float> x, Span<float> y)
    {
        TensorPrimitives.Sigmoid(x, y);
        TensorPrimitives.Multiply(x, y, y);
    }
}
