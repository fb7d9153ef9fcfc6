using Kcm.Core.Data;
using Kcm.Core.Training;

namespace Kcm.Core.Scaled;

/// <summary>
/// A network that min-max scales its raw inputs (<see cref="FeatureScaling"/>, fitted on the seed rows and fixed) before
/// the inner network, so a model served on a user's data set takes the rows as the clients send them. The scaling is
/// not trained: gradients flow to the inner network's parameters only. The scaled rows live at the end of the
/// activations, so Backward sees what Forward fed the inner network without a buffer of its own.
/// </summary>
public sealed class ScaledInputNetwork : IDifferentiableNetwork
{
    /// <summary>Prefix of <see cref="Architecture"/>, before the inner network's architecture.</summary>
    public const string ArchitecturePrefix = "scaled+";

    /// <summary>The tensor names the scaling is stored under, beside the inner network's.</summary>
    public const string MinimumTensor = "input_scaling.minimum";

    public const string ScaleTensor = "input_scaling.scale";

    public ScaledInputNetwork(IDifferentiableNetwork inner, FeatureScaling scaling)
    {
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentNullException.ThrowIfNull(scaling);
        if (scaling.FeatureCount != inner.InputSize)
        {
            throw new ArgumentException($"The scaling has {scaling.FeatureCount} features; {inner.Architecture} takes {inner.InputSize}.", nameof(scaling));
        }

        Inner = inner;
        Scaling = scaling;
    }

    public IDifferentiableNetwork Inner { get; }

    public FeatureScaling Scaling { get; }

    public int InputSize => Inner.InputSize;

    public int ClassCount => Inner.ClassCount;

    public int ParameterCount => Inner.ParameterCount;

    public string Architecture => ArchitecturePrefix + Inner.Architecture;

    public int ActivationSize(int batchSize) => Inner.ActivationSize(batchSize) + (batchSize * InputSize);

    public int BackwardScratchSize(int batchSize) => Inner.BackwardScratchSize(batchSize);

    public void Initialize(Span<float> parameters, Random random) => Inner.Initialize(parameters, random);

    public void Forward(ReadOnlySpan<float> parameters, ReadOnlySpan<float> inputs, int batchSize, Span<float> activations, Span<float> logits)
    {
        var innerSize = Inner.ActivationSize(batchSize);
        var scaled = activations.Slice(innerSize, batchSize * InputSize);
        Scaling.Apply(inputs[..(batchSize * InputSize)], scaled);
        Inner.Forward(parameters, scaled, batchSize, activations[..innerSize], logits);
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
        var innerSize = Inner.ActivationSize(batchSize);
        Inner.Backward(
            parameters, activations.Slice(innerSize, batchSize * InputSize), batchSize, activations[..innerSize], logitGradient, parameterGradient, scratch);
    }

    public IReadOnlyDictionary<string, (int[] Shape, float[] Data)> ExportTensors(ReadOnlySpan<float> parameters)
    {
        var tensors = new Dictionary<string, (int[] Shape, float[] Data)>(Inner.ExportTensors(parameters), StringComparer.Ordinal)
        {
            [MinimumTensor] = ([InputSize], Scaling.Minimum.ToArray()),
            [ScaleTensor] = ([InputSize], Scaling.Scale.ToArray()),
        };
        return tensors;
    }

    /// <summary>The inner network's parameters; the scaling tensors belong to this network already (see <see cref="ScaledInputClassifier.FromTensors"/>).</summary>
    public float[] ImportTensors(IReadOnlyDictionary<string, (int[] Shape, float[] Data)> tensors)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        return Inner.ImportTensors(InnerTensors(tensors));
    }

    /// <summary><paramref name="tensors"/> without the scaling's two: the inner network's own.</summary>
    internal static Dictionary<string, (int[] Shape, float[] Data)> InnerTensors(IReadOnlyDictionary<string, (int[] Shape, float[] Data)> tensors) =>
        tensors.Where(t => t.Key is not (MinimumTensor or ScaleTensor)).ToDictionary(t => t.Key, t => t.Value, StringComparer.Ordinal);
}
