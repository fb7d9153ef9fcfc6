namespace Kcm.Core.Graphs;

/// <summary>
/// An ONNX graph of one classifier architecture whose weights are graph INPUTS, not constants: the runtime binds them
/// from the classifier's tensors (the safetensors names and shapes, <see cref="Models.IExportableClassifier.ExportTensors"/>)
/// and can bind new ones without rebuilding the session. Input <see cref="FeaturesInput"/> [batch, features],
/// output <see cref="LogitsOutput"/> [batch, classes].
/// </summary>
/// <param name="Architecture">The architecture text the graph was built for.</param>
/// <param name="Model">The ONNX model's bytes.</param>
/// <param name="WeightInputs">Each weight input's name and shape, in graph order.</param>
public sealed record ClassifierGraph(string Architecture, byte[] Model, IReadOnlyList<(string Name, int[] Shape)> WeightInputs)
{
    public const string FeaturesInput = "features";
    public const string LogitsOutput = "logits";
}
