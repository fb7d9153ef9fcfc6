using Kcm.Core.Training;

namespace Kcm.Core.Mlp;

/// <summary>An immutable ReLU MLP classifier: the small model, and the MLP judge baseline. Thread-safe.</summary>
public sealed class MlpClassifier : ITrainableClassifier
{
    private readonly float[] _parameters;

    /// <summary>A classifier holding a copy of <paramref name="parameters"/> (layout of <see cref="MlpNetwork"/>).</summary>
    public MlpClassifier(MlpNetwork network, ReadOnlySpan<float> parameters)
    {
        ArgumentNullException.ThrowIfNull(network);
        if (parameters.Length != network.ParameterCount)
        {
            throw new ArgumentException($"{network.Architecture} has {network.ParameterCount} parameters; got {parameters.Length}.", nameof(parameters));
        }

        Network = network;
        _parameters = parameters.ToArray();
    }

    public MlpNetwork Network { get; }

    IDifferentiableNetwork ITrainableClassifier.Network => Network;

    public ReadOnlySpan<float> Parameters => _parameters;

    public int InputSize => Network.InputSize;

    public int ClassCount => Network.ClassCount;

    public string Architecture => Network.Architecture;

    /// <summary>A freshly initialised classifier (He-uniform weights, zero biases), the same for the same seed.</summary>
    public static MlpClassifier CreateRandom(MlpNetwork network, int seed)
    {
        ArgumentNullException.ThrowIfNull(network);
        var parameters = new float[network.ParameterCount];
        network.Initialize(parameters, new Random(seed));
        return new MlpClassifier(network, parameters);
    }

    /// <summary>Rebuilds a classifier saved with <see cref="ExportTensors"/> and <see cref="Architecture"/>.</summary>
    public static MlpClassifier FromTensors(string architecture, IReadOnlyDictionary<string, (int[] Shape, float[] Data)> tensors)
    {
        var network = MlpNetwork.Parse(architecture);
        return new MlpClassifier(network, network.ImportTensors(tensors));
    }

    public void Logits(ReadOnlySpan<float> inputs, int batchSize, Span<float> logits) =>
        NetworkInference.Logits(Network, _parameters, inputs, batchSize, logits);

    public IReadOnlyDictionary<string, (int[] Shape, float[] Data)> ExportTensors() => Network.ExportTensors(_parameters);

    public MlpClassifier WithParameters(ReadOnlySpan<float> parameters) => new(Network, parameters);

    ITrainableClassifier ITrainableClassifier.WithParameters(ReadOnlySpan<float> parameters) => WithParameters(parameters);
}
