using Kcm.Core.Numerics;

namespace Kcm.Core.Kan;

/// <summary>
/// One KAN layer, efficient-KAN style: y_o = sum_i ( sum_j c[o,i,j] B_j(x_i) + w_b[o,i] SiLU(x_i) ). Each input is
/// expanded once into a feature row [B_0(x_0) .. B_{G+k-1}(x_0), B_0(x_1) .., SiLU(x_0) .. SiLU(x_{in-1})] of
/// length in*(G+k+1), so the whole layer is one dense product with the weight matrix [out, in*(G+k) + in] whose
/// rows hold the spline coefficients followed by the base weights. No bias (the splines can represent constants).
/// Holds no weights: parameters are a span in the layout above. See <see cref="BSplineBasis"/> for out-of-range inputs.
/// </summary>
[System.Runtime.CompilerServices.SkipLocalsInit]
public sealed class KanLayer
{
    public KanLayer(int inputs, int outputs, int gridSize, int order, float min, float max)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(inputs, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(outputs, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(gridSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(order, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(order, BSplineBasis.MaxOrder);
        if (!(max > min) || float.IsInfinity(max - min))
        {
            throw new ArgumentException($"Grid range [{min}, {max}] is empty or not finite.");
        }

        Inputs = inputs;
        Outputs = outputs;
        GridSize = gridSize;
        Order = order;
        Min = min;
        Max = max;
        BasisCount = gridSize + order;
        FeatureCount = inputs * (BasisCount + 1);
    }

    public int Inputs { get; }

    public int Outputs { get; }

    /// <summary>G: grid intervals over [Min, Max].</summary>
    public int GridSize { get; }

    /// <summary>k: B-spline order (3 = cubic).</summary>
    public int Order { get; }

    public float Min { get; }

    public float Max { get; }

    /// <summary>G + k spline coefficients per edge.</summary>
    public int BasisCount { get; }

    /// <summary>Feature row length: in * (G + k) basis values plus in SiLU values.</summary>
    public int FeatureCount { get; }

    /// <summary>Spline coefficients and base weights: out * in * (G + k + 1).</summary>
    public int ParameterCount => Outputs * FeatureCount;

    /// <summary>Floats of activation memory per batch: the feature rows.</summary>
    public int ActivationSize(int batchSize) => batchSize * FeatureCount;

    /// <summary>Floats of backward scratch per batch when the input gradient is wanted.</summary>
    public int BackwardScratchSize(int batchSize) => batchSize * FeatureCount;

    /// <summary>Efficient-KAN-like start: base weights U(-1/sqrt(in), 1/sqrt(in)) and small random spline coefficients.</summary>
    public void Initialize(Span<float> parameters, Random random)
    {
        CheckLength(parameters.Length, ParameterCount, nameof(parameters));
        var baseBound = 1f / MathF.Sqrt(Inputs);
        var splineBound = 0.1f / MathF.Sqrt(Inputs);
        var splineCount = Inputs * BasisCount;
        for (var o = 0; o < Outputs; o++)
        {
            var row = parameters.Slice(o * FeatureCount, FeatureCount);
            for (var j = 0; j < row.Length; j++)
            {
                var bound = j < splineCount ? splineBound : baseBound;
                row[j] = ((2f * random.NextSingle()) - 1f) * bound;
            }
        }
    }

    /// <summary>y (batch x out) from x (batch x in); the feature rows go into <paramref name="features"/> for the backward pass.</summary>
    public void Forward(ReadOnlySpan<float> parameters, ReadOnlySpan<float> x, int batchSize, Span<float> features, Span<float> y)
    {
        CheckLength(parameters.Length, ParameterCount, nameof(parameters));
        var featureRows = features[..(batchSize * FeatureCount)];
        for (var b = 0; b < batchSize; b++)
        {
            Expand(x.Slice(b * Inputs, Inputs), featureRows.Slice(b * FeatureCount, FeatureCount));
        }

        MatrixKernels.MultiplyTransposed(featureRows, batchSize, FeatureCount, parameters, Outputs, [], y[..(batchSize * Outputs)]);
    }

    /// <summary>
    /// Adds dLoss/dParameters to <paramref name="parameterGradient"/>; when <paramref name="inputGradient"/> is not
    /// empty also writes dLoss/dx (batch x in), which needs <see cref="BackwardScratchSize"/> floats of scratch.
    /// </summary>
    public void Backward(
        ReadOnlySpan<float> parameters,
        ReadOnlySpan<float> x,
        int batchSize,
        ReadOnlySpan<float> features,
        ReadOnlySpan<float> outputGradient,
        Span<float> parameterGradient,
        Span<float> inputGradient,
        Span<float> scratch)
    {
        CheckLength(parameterGradient.Length, ParameterCount, nameof(parameterGradient));
        var featureRows = features[..(batchSize * FeatureCount)];
        var dy = outputGradient[..(batchSize * Outputs)];
        MatrixKernels.AccumulateTransposedProduct(dy, batchSize, Outputs, featureRows, FeatureCount, parameterGradient);
        if (inputGradient.IsEmpty)
        {
            return;
        }

        // dLoss/dFeature = dy · W, then the chain rule through each input's basis values and its SiLU.
        var featureGradient = scratch[..(batchSize * FeatureCount)];
        MatrixKernels.Multiply(dy, batchSize, Outputs, parameters, FeatureCount, featureGradient, accumulate: false);
        Span<float> values = stackalloc float[BSplineBasis.MaxOrder + 1];
        Span<float> derivatives = stackalloc float[BSplineBasis.MaxOrder + 1];
        var siluStart = Inputs * BasisCount;
        for (var b = 0; b < batchSize; b++)
        {
            var row = featureGradient.Slice(b * FeatureCount, FeatureCount);
            var xRow = x.Slice(b * Inputs, Inputs);
            var dxRow = inputGradient.Slice(b * Inputs, Inputs);
            for (var i = 0; i < Inputs; i++)
            {
                var first = BSplineBasis.Evaluate(xRow[i], GridSize, Order, Min, Max, values, derivatives);
                var spline = row.Slice((i * BasisCount) + first, Order + 1);
                var sum = 0f;
                for (var m = 0; m <= Order; m++)
                {
                    sum += derivatives[m] * spline[m];
                }

                dxRow[i] = sum + (row[siluStart + i] * Activations.SiluDerivative(xRow[i]));
            }
        }
    }

    private void Expand(ReadOnlySpan<float> x, Span<float> row)
    {
        row.Clear();
        Span<float> values = stackalloc float[BSplineBasis.MaxOrder + 1];
        for (var i = 0; i < Inputs; i++)
        {
            var first = BSplineBasis.Evaluate(x[i], GridSize, Order, Min, Max, values, []);
            values[..(Order + 1)].CopyTo(row.Slice((i * BasisCount) + first, Order + 1));
        }

        Activations.Silu(x, row.Slice(Inputs * BasisCount, Inputs));
    }

    private static void CheckLength(int length, int expected, string name)
    {
        if (length != expected)
        {
            throw new ArgumentException($"Span has {length} values, expected {expected}.", name);
        }
    }
}
