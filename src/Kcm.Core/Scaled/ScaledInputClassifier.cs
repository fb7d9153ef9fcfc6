using Kcm.Core.Data;
using Kcm.Core.Models;
using Kcm.Core.Training;

namespace Kcm.Core.Scaled;

/// <summary>
/// A trainable classifier (KAN or MLP) behind a fixed min-max input scaling (<see cref="ScaledInputNetwork"/>): trains,
/// distils, runs and is stored like the inner classifier, with the scaling in the same file ("scaled+" architecture).
/// </summary>
public sealed class ScaledInputClassifier : ITrainableClassifier
{
    private readonly float[] _parameters;

    public ScaledInputClassifier(ScaledInputNetwork network, ReadOnlySpan<float> parameters)
    {
        ArgumentNullException.ThrowIfNull(network);
        if (parameters.Length != network.ParameterCount)
        {
            throw new ArgumentException($"{network.Architecture} has {network.ParameterCount} parameters; got {parameters.Length}.", nameof(parameters));
        }

        Network = network;
        _parameters = parameters.ToArray();
    }

    public ScaledInputNetwork Network { get; }

    IDifferentiableNetwork ITrainableClassifier.Network => Network;

    public ReadOnlySpan<float> Parameters => _parameters;

    public int InputSize => Network.InputSize;

    public int ClassCount => Network.ClassCount;

    public string Architecture => Network.Architecture;

    /// <summary><paramref name="inner"/> (untrained or trained) behind <paramref name="scaling"/>.</summary>
    public static ScaledInputClassifier Wrap(ITrainableClassifier inner, FeatureScaling scaling)
    {
        ArgumentNullException.ThrowIfNull(inner);
        return new ScaledInputClassifier(new ScaledInputNetwork(inner.Network, scaling), inner.Parameters);
    }

    /// <summary>A classifier from <see cref="ExportTensors"/>' tensors under its "scaled+..." architecture.</summary>
    /// <exception cref="FormatException">The architecture is not "scaled+" and a known inner one.</exception>
    /// <exception cref="ArgumentException">The tensors do not fit it.</exception>
    public static ScaledInputClassifier FromTensors(string architecture, IReadOnlyDictionary<string, (int[] Shape, float[] Data)> tensors)
    {
        ArgumentNullException.ThrowIfNull(architecture);
        ArgumentNullException.ThrowIfNull(tensors);
        if (!architecture.StartsWith(ScaledInputNetwork.ArchitecturePrefix, StringComparison.Ordinal))
        {
            throw new FormatException($"'{architecture}' is not a scaled classifier's architecture.");
        }

        if (!tensors.TryGetValue(ScaledInputNetwork.MinimumTensor, out var minimum) || !tensors.TryGetValue(ScaledInputNetwork.ScaleTensor, out var scale))
        {
            throw new ArgumentException($"A scaled classifier needs the tensors {ScaledInputNetwork.MinimumTensor} and {ScaledInputNetwork.ScaleTensor}.", nameof(tensors));
        }

        var inner = ClassifierTensors.Restore(architecture[ScaledInputNetwork.ArchitecturePrefix.Length..], ScaledInputNetwork.InnerTensors(tensors));
        if (inner is not ITrainableClassifier trainable || inner is ScaledInputClassifier)
        {
            throw new FormatException($"'{architecture}' does not wrap a trainable KAN or MLP.");
        }

        return Wrap(trainable, FeatureScaling.Create(minimum.Data, scale.Data));
    }

    public void Logits(ReadOnlySpan<float> inputs, int batchSize, Span<float> logits) =>
        NetworkInference.Logits(Network, _parameters, inputs, batchSize, logits);

    public IReadOnlyDictionary<string, (int[] Shape, float[] Data)> ExportTensors() => Network.ExportTensors(_parameters);

    public ScaledInputClassifier WithParameters(ReadOnlySpan<float> parameters) => new(Network, parameters);

    ITrainableClassifier ITrainableClassifier.WithParameters(ReadOnlySpan<float> parameters) => WithParameters(parameters);
}
