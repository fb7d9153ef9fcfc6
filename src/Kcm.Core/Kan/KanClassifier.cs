using Kcm.Core.Training;

namespace Kcm.Core.Kan;

/// <summary>An immutable KAN classifier: the judge. Its confidence on a sample is max softmax(logits). Thread-safe.</summary>
public sealed class KanClassifier : ITrainableClassifier
{
    private readonly float[] _parameters;

    /// <summary>A classifier holding a copy of <paramref name="parameters"/> (layout of <see cref="KanNetwork"/>).</summary>
    public KanClassifier(KanNetwork network, ReadOnlySpan<float> parameters)
    {
        ArgumentNullException.ThrowIfNull(network);
        if (parameters.Length != network.ParameterCount)
        {
            throw new ArgumentException($"{network.Architecture} has {network.ParameterCount} parameters; got {parameters.Length}.", nameof(parameters));
        }

        Network = network;
        _parameters = parameters.ToArray();
    }

    public KanNetwork Network { get; }

    IDifferentiableNetwork ITrainableClassifier.Network => Network;

    public ReadOnlySpan<float> Parameters => _parameters;

    public int InputSize => Network.InputSize;

    public int ClassCount => Network.ClassCount;

    public string Architecture => Network.Architecture;

    /// <summary>A freshly initialised classifier (see <see cref="KanLayer.Initialize"/>), the same for the same seed.</summary>
    public static KanClassifier CreateRandom(KanNetwork network, int seed)
    {
        ArgumentNullException.ThrowIfNull(network);
        var parameters = new float[network.ParameterCount];
        network.Initialize(parameters, new Random(seed));
        return new KanClassifier(network, parameters);
    }

    /// <summary>Rebuilds a classifier saved with <see cref="ExportTensors"/> and <see cref="Architecture"/>.</summary>
    public static KanClassifier FromTensors(string architecture, IReadOnlyDictionary<string, (int[] Shape, float[] Data)> tensors)
    {
        var network = new KanNetwork(KanArchitecture.Parse(architecture));
        return new KanClassifier(network, network.ImportTensors(tensors));
    }

    public void Logits(ReadOnlySpan<float> inputs, int batchSize, Span<float> logits) =>
        NetworkInference.Logits(Network, _parameters, inputs, batchSize, logits);

    public IReadOnlyDictionary<string, (int[] Shape, float[] Data)> ExportTensors() => Network.ExportTensors(_parameters);

    public KanClassifier WithParameters(ReadOnlySpan<float> parameters) => new(Network, parameters);

    ITrainableClassifier ITrainableClassifier.WithParameters(ReadOnlySpan<float> parameters) => WithParameters(parameters);
}
