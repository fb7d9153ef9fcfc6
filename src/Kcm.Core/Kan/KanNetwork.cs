using Kcm.Core.Training;

namespace Kcm.Core.Kan;

/// <summary>
/// The KAN judge's network: average pooling (a fixed input reduction, no parameters), then two
/// <see cref="KanLayer"/>s reduced-inputs -> hidden -> classes. Parameters: layer 0 then layer 1, each in
/// <see cref="KanLayer"/>'s layout. Exported as efficient-KAN names layers.{l}.spline_weight [out, in, G+k] and
/// layers.{l}.base_weight [out, in].
/// </summary>
public sealed class KanNetwork : IDifferentiableNetwork
{
    private readonly KanLayer _first;
    private readonly KanLayer _second;

    public KanNetwork(KanArchitecture architecture)
    {
        ArgumentNullException.ThrowIfNull(architecture);
        architecture.Validate();
        Shape = architecture;
        _first = new KanLayer(
            architecture.ReducedInputSize, architecture.HiddenSize, architecture.GridSize, architecture.SplineOrder, architecture.InputMin, architecture.InputMax);
        _second = new KanLayer(
            architecture.HiddenSize, architecture.ClassCount, architecture.GridSize, architecture.SplineOrder, architecture.HiddenMin, architecture.HiddenMax);
        Architecture = architecture.ToString();
    }

    /// <summary>The default judge (see <see cref="KanArchitecture"/>'s defaults): 784 -> pool 2 -> 196-32-10, 59,328 parameters.</summary>
    public static KanNetwork DefaultJudge { get; } = new(new KanArchitecture());

    /// <summary>The sizes this network was built from.</summary>
    public KanArchitecture Shape { get; }

    public int InputSize => Shape.InputSize;

    public int ClassCount => Shape.ClassCount;

    public int ParameterCount => _first.ParameterCount + _second.ParameterCount;

    public string Architecture { get; }

    private bool Pools => Shape.PoolSize > 1;

    private int PooledSize(int batchSize) => Pools ? batchSize * _first.Inputs : 0;

    public int ActivationSize(int batchSize) =>
        PooledSize(batchSize) + _first.ActivationSize(batchSize) + (batchSize * _first.Outputs) + _second.ActivationSize(batchSize);

    public int BackwardScratchSize(int batchSize) => (batchSize * _second.Inputs) + _second.BackwardScratchSize(batchSize);

    public void Initialize(Span<float> parameters, Random random)
    {
        CheckParameters(parameters.Length);
        _first.Initialize(parameters[.._first.ParameterCount], random);
        _second.Initialize(parameters[_first.ParameterCount..], random);
    }

    public void Forward(ReadOnlySpan<float> parameters, ReadOnlySpan<float> inputs, int batchSize, Span<float> activations, Span<float> logits)
    {
        CheckParameters(parameters.Length);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        var pooledLength = PooledSize(batchSize);
        var features1Length = _first.ActivationSize(batchSize);
        var hiddenLength = batchSize * _first.Outputs;
        var pooled = activations[..pooledLength];
        var features1 = activations.Slice(pooledLength, features1Length);
        var hidden = activations.Slice(pooledLength + features1Length, hiddenLength);
        var features2 = activations.Slice(pooledLength + features1Length + hiddenLength, _second.ActivationSize(batchSize));
        ReadOnlySpan<float> firstInput = inputs[..(batchSize * InputSize)];
        if (Pools)
        {
            Pool(firstInput, batchSize, pooled);
            firstInput = pooled;
        }

        _first.Forward(parameters[.._first.ParameterCount], firstInput, batchSize, features1, hidden);
        _second.Forward(parameters[_first.ParameterCount..], hidden, batchSize, features2, logits);
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
        var pooledLength = PooledSize(batchSize);
        var features1Length = _first.ActivationSize(batchSize);
        var hiddenLength = batchSize * _first.Outputs;
        var pooled = activations[..pooledLength];
        var features1 = activations.Slice(pooledLength, features1Length);
        var hidden = activations.Slice(pooledLength + features1Length, hiddenLength);
        var features2 = activations.Slice(pooledLength + features1Length + hiddenLength, _second.ActivationSize(batchSize));
        var hiddenGradient = scratch[..hiddenLength];
        var secondScratch = scratch.Slice(hiddenLength, _second.BackwardScratchSize(batchSize));

        _second.Backward(
            parameters[_first.ParameterCount..], hidden, batchSize, features2, logitGradient, parameterGradient[_first.ParameterCount..], hiddenGradient, secondScratch);

        // The pooled pixels need no gradient: pooling has no parameters and nothing sits before it.
        var firstInput = Pools ? pooled : inputs[..(batchSize * InputSize)];
        _first.Backward(
            parameters[.._first.ParameterCount], firstInput, batchSize, features1, hiddenGradient, parameterGradient[.._first.ParameterCount], [], []);
    }

    public IReadOnlyDictionary<string, (int[] Shape, float[] Data)> ExportTensors(ReadOnlySpan<float> parameters)
    {
        CheckParameters(parameters.Length);
        var tensors = new Dictionary<string, (int[] Shape, float[] Data)>();
        ExportLayer(tensors, 0, _first, parameters[.._first.ParameterCount]);
        ExportLayer(tensors, 1, _second, parameters[_first.ParameterCount..]);
        return tensors;
    }

    public float[] ImportTensors(IReadOnlyDictionary<string, (int[] Shape, float[] Data)> tensors)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        var parameters = new float[ParameterCount];
        ImportLayer(tensors, 0, _first, parameters.AsSpan(0, _first.ParameterCount));
        ImportLayer(tensors, 1, _second, parameters.AsSpan(_first.ParameterCount));
        return parameters;
    }

    private static void ExportLayer(
        Dictionary<string, (int[] Shape, float[] Data)> tensors, int index, KanLayer layer, ReadOnlySpan<float> parameters)
    {
        var splineLength = layer.Inputs * layer.BasisCount;
        var spline = new float[layer.Outputs * splineLength];
        var baseWeights = new float[layer.Outputs * layer.Inputs];
        for (var o = 0; o < layer.Outputs; o++)
        {
            var row = parameters.Slice(o * layer.FeatureCount, layer.FeatureCount);
            row[..splineLength].CopyTo(spline.AsSpan(o * splineLength));
            row[splineLength..].CopyTo(baseWeights.AsSpan(o * layer.Inputs));
        }

        tensors[$"layers.{index}.spline_weight"] = ([layer.Outputs, layer.Inputs, layer.BasisCount], spline);
        tensors[$"layers.{index}.base_weight"] = ([layer.Outputs, layer.Inputs], baseWeights);
    }

    private static void ImportLayer(
        IReadOnlyDictionary<string, (int[] Shape, float[] Data)> tensors, int index, KanLayer layer, Span<float> parameters)
    {
        var splineLength = layer.Inputs * layer.BasisCount;
        var spline = new float[layer.Outputs * splineLength];
        var baseWeights = new float[layer.Outputs * layer.Inputs];
        TensorShapes.CopyInto(tensors, $"layers.{index}.spline_weight", [layer.Outputs, layer.Inputs, layer.BasisCount], spline);
        TensorShapes.CopyInto(tensors, $"layers.{index}.base_weight", [layer.Outputs, layer.Inputs], baseWeights);
        for (var o = 0; o < layer.Outputs; o++)
        {
            var row = parameters.Slice(o * layer.FeatureCount, layer.FeatureCount);
            spline.AsSpan(o * splineLength, splineLength).CopyTo(row);
            baseWeights.AsSpan(o * layer.Inputs, layer.Inputs).CopyTo(row[splineLength..]);
        }
    }

    private void Pool(ReadOnlySpan<float> inputs, int batchSize, Span<float> pooled)
    {
        var width = Shape.ImageWidth;
        var height = Shape.ImageHeight;
        var pool = Shape.PoolSize;
        var outWidth = width / pool;
        var outHeight = height / pool;
        var reduced = _first.Inputs;
        var scale = 1f / (pool * pool);
        for (var b = 0; b < batchSize; b++)
        {
            var image = inputs.Slice(b * InputSize, InputSize);
            var target = pooled.Slice(b * reduced, reduced);
            for (var py = 0; py < outHeight; py++)
            {
                for (var px = 0; px < outWidth; px++)
                {
                    var sum = 0f;
                    for (var dy = 0; dy < pool; dy++)
                    {
                        var rowStart = (((py * pool) + dy) * width) + (px * pool);
                        for (var dx = 0; dx < pool; dx++)
                        {
                            sum += image[rowStart + dx];
                        }
                    }

                    target[(py * outWidth) + px] = sum * scale;
                }
            }

            // Extra inputs (e.g. the small model's probabilities) pass through unpooled.
            image[Shape.ImageSize..].CopyTo(target[(outWidth * outHeight)..]);
        }
    }

    private void CheckParameters(int length)
    {
        if (length != ParameterCount)
        {
            throw new ArgumentException($"{Architecture} has {ParameterCount} parameters; got a span of {length}.");
        }
    }
}
