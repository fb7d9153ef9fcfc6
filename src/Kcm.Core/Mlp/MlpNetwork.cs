using System.Globalization;
using Kcm.Core.Numerics;
using Kcm.Core.Training;

namespace Kcm.Core.Mlp;

/// <summary>
/// A fully connected ReLU network, widths [inputs, hidden..., classes]. Parameters, layer by layer: weight
/// [out, in] (row-major, PyTorch layout) then bias [out]. The last layer has no activation (it gives logits).
/// </summary>
public sealed class MlpNetwork : IDifferentiableNetwork
{
    /// <summary>Prefix of <see cref="Architecture"/>.</summary>
    public const string ArchitecturePrefix = "mlp:";

    private readonly int[] _widths;
    private readonly int[] _weightOffsets;
    private readonly int[] _biasOffsets;
    private readonly int _hiddenTotal;
    private readonly int _widestHidden;

    public MlpNetwork(params ReadOnlySpan<int> widths)
    {
        if (widths.Length < 2)
        {
            throw new ArgumentException("An MLP needs at least an input width and a class count.", nameof(widths));
        }

        foreach (var width in widths)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(width, 1, nameof(widths));
        }

        _widths = widths.ToArray();
        _weightOffsets = new int[LayerCount];
        _biasOffsets = new int[LayerCount];
        var offset = 0;
        for (var l = 0; l < LayerCount; l++)
        {
            _weightOffsets[l] = offset;
            offset += _widths[l + 1] * _widths[l];
            _biasOffsets[l] = offset;
            offset += _widths[l + 1];
        }

        ParameterCount = offset;
        for (var l = 1; l < _widths.Length - 1; l++)
        {
            _hiddenTotal += _widths[l];
            _widestHidden = Math.Max(_widestHidden, _widths[l]);
        }

        Architecture = ArchitecturePrefix + string.Join('-', _widths);
    }

    /// <summary>The default small model: 784-64-10 (Fashion-MNIST pixels to 10 classes), about 51k parameters.</summary>
    public static MlpNetwork DefaultSmallModel { get; } = new(784, 64, 10);

    /// <summary>Widths [inputs, hidden..., classes].</summary>
    public IReadOnlyList<int> Widths => _widths;

    public int InputSize => _widths[0];

    public int ClassCount => _widths[^1];

    public int ParameterCount { get; }

    public string Architecture { get; }

    private int LayerCount => _widths.Length - 1;

    /// <summary>Rebuilds a network from its <see cref="Architecture"/> text, e.g. "mlp:784-64-10".</summary>
    public static MlpNetwork Parse(string architecture)
    {
        ArgumentNullException.ThrowIfNull(architecture);
        if (!architecture.StartsWith(ArchitecturePrefix, StringComparison.Ordinal))
        {
            throw new FormatException($"'{architecture}' is not an MLP architecture (expected '{ArchitecturePrefix}<in>-<hidden>...-<classes>').");
        }

        var parts = architecture[ArchitecturePrefix.Length..].Split('-');
        var widths = new int[parts.Length];
        for (var i = 0; i < parts.Length; i++)
        {
            if (!int.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out widths[i]) || widths[i] < 1)
            {
                throw new FormatException($"'{architecture}': width '{parts[i]}' is not a positive integer.");
            }
        }

        return new MlpNetwork(widths);
    }

    /// <summary>Parameters of a one-hidden-layer MLP inputs-hidden-classes: weights and biases of both layers.</summary>
    public static long ParameterCountFor(int inputSize, int hiddenWidth, int classCount) =>
        ((long)inputSize * hiddenWidth) + hiddenWidth + ((long)hiddenWidth * classCount) + classCount;

    /// <summary>
    /// The hidden width whose one-hidden-layer MLP has the parameter count closest to <paramref name="parameterCount"/>
    /// (used to size the MLP judge baseline like the KAN judge; the result is within one hidden unit's worth of parameters).
    /// </summary>
    public static int HiddenWidthForParameterCount(int inputSize, int classCount, long parameterCount)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(inputSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(classCount, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(parameterCount, 1);
        var perUnit = inputSize + 1L + classCount;
        var width = (int)Math.Max(1, Math.Round((double)(parameterCount - classCount) / perUnit));
        return width;
    }

    /// <summary>
    /// A one-hidden-layer MLP with the same inputs and classes as <paramref name="reference"/> and about its parameter
    /// count (within 10% for any realistic size): the MLP judge baseline (the paper's MCM) sized like the KAN judge.
    /// </summary>
    public static MlpNetwork MatchingParameterCount(IDifferentiableNetwork reference)
    {
        ArgumentNullException.ThrowIfNull(reference);
        var width = HiddenWidthForParameterCount(reference.InputSize, reference.ClassCount, reference.ParameterCount);
        return new MlpNetwork(reference.InputSize, width, reference.ClassCount);
    }

    public int ActivationSize(int batchSize) => batchSize * _hiddenTotal;

    public int BackwardScratchSize(int batchSize) => 2 * batchSize * _widestHidden;

    public void Initialize(Span<float> parameters, Random random)
    {
        CheckParameters(parameters.Length);
        ArgumentNullException.ThrowIfNull(random);
        parameters.Clear();
        for (var l = 0; l < LayerCount; l++)
        {
            // He-uniform for ReLU layers: U(-sqrt(6/in), sqrt(6/in)); biases start at zero.
            var bound = MathF.Sqrt(6f / _widths[l]);
            var weights = parameters.Slice(_weightOffsets[l], _widths[l + 1] * _widths[l]);
            for (var i = 0; i < weights.Length; i++)
            {
                weights[i] = ((2f * random.NextSingle()) - 1f) * bound;
            }
        }
    }

    public void Forward(ReadOnlySpan<float> parameters, ReadOnlySpan<float> inputs, int batchSize, Span<float> activations, Span<float> logits)
    {
        CheckParameters(parameters.Length);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        var input = inputs[..(batchSize * InputSize)];
        var activationOffset = 0;
        for (var l = 0; l < LayerCount; l++)
        {
            var inWidth = _widths[l];
            var outWidth = _widths[l + 1];
            var weights = parameters.Slice(_weightOffsets[l], outWidth * inWidth);
            var bias = parameters.Slice(_biasOffsets[l], outWidth);
            if (l == LayerCount - 1)
            {
                MatrixKernels.MultiplyTransposed(input, batchSize, inWidth, weights, outWidth, bias, logits[..(batchSize * outWidth)]);
                return;
            }

            var output = activations.Slice(activationOffset, batchSize * outWidth);
            MatrixKernels.MultiplyTransposed(input, batchSize, inWidth, weights, outWidth, bias, output);
            Activations.Relu(output, output);
            input = output;
            activationOffset += batchSize * outWidth;
        }
    }

    public void Backward(
        ReadOnlySpan<float> parameters,
        ReadOnlySpan<float> inputs,
        int batchSize,
        ReadOnlySpan<float> activations,
        ReadOnlySpan<float> logitGradient,
        Span<float> parameterGradient,
        Span<float> scratch)
    {
        CheckParameters(parameters.Length);
        CheckParameters(parameterGradient.Length);
        var bufferSize = batchSize * _widestHidden;
        var bufferA = scratch[..bufferSize];
        var bufferB = scratch.Slice(bufferSize, bufferSize);

        // delta = dLoss/d(pre-activation output) of the current layer, starting with the logits.
        ReadOnlySpan<float> delta = logitGradient[..(batchSize * ClassCount)];
        var activationEnd = batchSize * _hiddenTotal;
        for (var l = LayerCount - 1; l >= 0; l--)
        {
            var inWidth = _widths[l];
            var outWidth = _widths[l + 1];
            ReadOnlySpan<float> layerInput;
            if (l == 0)
            {
                layerInput = inputs[..(batchSize * inWidth)];
            }
            else
            {
                activationEnd -= batchSize * inWidth;
                layerInput = activations.Slice(activationEnd, batchSize * inWidth);
            }

            MatrixKernels.AccumulateTransposedProduct(
                delta, batchSize, outWidth, layerInput, inWidth, parameterGradient.Slice(_weightOffsets[l], outWidth * inWidth));
            MatrixKernels.AccumulateColumnSums(delta, batchSize, outWidth, parameterGradient.Slice(_biasOffsets[l], outWidth));
            if (l == 0)
            {
                break;
            }

            var next = ((LayerCount - 1 - l) % 2 == 0 ? bufferA : bufferB)[..(batchSize * inWidth)];
            MatrixKernels.Multiply(
                delta, batchSize, outWidth, parameters.Slice(_weightOffsets[l], outWidth * inWidth), inWidth, next, accumulate: false);
            Activations.ReluBackward(layerInput, next);
            delta = next;
        }
    }

    public IReadOnlyDictionary<string, (int[] Shape, float[] Data)> ExportTensors(ReadOnlySpan<float> parameters)
    {
        CheckParameters(parameters.Length);
        var tensors = new Dictionary<string, (int[] Shape, float[] Data)>();
        for (var l = 0; l < LayerCount; l++)
        {
            var inWidth = _widths[l];
            var outWidth = _widths[l + 1];
            tensors[WeightName(l)] = ([outWidth, inWidth], parameters.Slice(_weightOffsets[l], outWidth * inWidth).ToArray());
            tensors[BiasName(l)] = ([outWidth], parameters.Slice(_biasOffsets[l], outWidth).ToArray());
        }

        return tensors;
    }

    public float[] ImportTensors(IReadOnlyDictionary<string, (int[] Shape, float[] Data)> tensors)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        var parameters = new float[ParameterCount];
        for (var l = 0; l < LayerCount; l++)
        {
            var inWidth = _widths[l];
            var outWidth = _widths[l + 1];
            TensorShapes.CopyInto(tensors, WeightName(l), [outWidth, inWidth], parameters.AsSpan(_weightOffsets[l], outWidth * inWidth));
            TensorShapes.CopyInto(tensors, BiasName(l), [outWidth], parameters.AsSpan(_biasOffsets[l], outWidth));
        }

        return parameters;
    }

    private static string WeightName(int layer) => $"layers.{layer}.weight";

    private static string BiasName(int layer) => $"layers.{layer}.bias";

    private void CheckParameters(int length)
    {
        if (length != ParameterCount)
        {
            throw new ArgumentException($"{Architecture} has {ParameterCount} parameters; got a span of {length}.");
        }
    }
}
