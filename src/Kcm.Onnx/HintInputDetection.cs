using System.Globalization;
using Microsoft.ML.OnnxRuntime;

namespace Kcm.Onnx;

/// <summary>
/// Finds a large model's hint input among its graph inputs. The model has one image input and optionally one more,
/// the hint: a float tensor [batch, classes] taking the small model's probabilities. A configured name
/// (<c>Kcm:Embedded:HintInputName</c>) must be one of the inputs; without one, the single input of the hint's shape
/// besides the image is the hint, and several such inputs are ambiguous: the configuration must name one. The silo
/// and the evaluation find it the same way.
/// </summary>
public static class HintInputDetection
{
    private const string Setting = "Kcm:Embedded:HintInputName";

    /// <summary>Picks the image and hint inputs of <paramref name="session"/>'s graph, <paramref name="model"/> in messages; the class count is its first output's values per sample.</summary>
    /// <exception cref="ArgumentException">As <see cref="Choose(string, IReadOnlyList{GraphInput}, int, string?)"/>.</exception>
    /// <exception cref="InvalidDataException">As <see cref="Choose(string, IReadOnlyList{GraphInput}, int, string?)"/>, or the graph has no output.</exception>
    public static HintInputChoice Choose(string model, InferenceSession session, string? configured)
    {
        ArgumentNullException.ThrowIfNull(session);
        if (session.OutputNames.Count < 1)
        {
            throw new InvalidDataException($"{model} must have a logits output; it has none.");
        }

        var inputs = session.InputNames.Select(n => Describe(n, session.InputMetadata[n])).ToList();
        return Choose(model, inputs, SampleLength(session.OutputMetadata[session.OutputNames[0]]), configured);
    }

    /// <summary>Picks the image and hint inputs of <paramref name="model"/> (a name for messages).</summary>
    /// <param name="model">The model, named in messages (e.g. its file).</param>
    /// <param name="inputs">Every input the graph declares, in its order.</param>
    /// <param name="classCount">Values per sample of the model's output (a hint has as many).</param>
    /// <param name="configured">The configured hint input, or null to detect it.</param>
    /// <exception cref="ArgumentException">The configured input is not declared or is not of the hint's shape, or several inputs could be the hint.</exception>
    /// <exception cref="InvalidDataException">The inputs are not one image input and at most one hint input.</exception>
    public static HintInputChoice Choose(string model, IReadOnlyList<GraphInput> inputs, int classCount, string? configured)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        var listed = string.Join(", ", inputs);
        if (configured is not null)
        {
            var hint = inputs.FirstOrDefault(i => i.Name == configured)
                ?? throw new ArgumentException($"{Setting} is {configured}, but {model} declares no such input; its inputs: {listed}.");
            if (!IsHintShaped(hint, classCount))
            {
                throw new ArgumentException(string.Create(
                    CultureInfo.InvariantCulture, $"{Setting} is {configured}, but in {model} that input is {hint}, not a float tensor [N,{classCount}] (one value per class)."));
            }

            return new HintInputChoice(SingleImage(model, inputs, hint, listed), hint.Name);
        }

        if (inputs.Count == 1)
        {
            return new HintInputChoice(inputs[0].Name, null);
        }

        var candidates = inputs.Where(i => IsHintShaped(i, classCount)).ToList();
        if (candidates.Count > 1)
        {
            throw new ArgumentException(
                $"{model} has {candidates.Count} inputs that could take the hint ({string.Join(", ", candidates)}; inputs: {listed}): name the one that does ({Setting} when serving).");
        }

        return candidates.Count == 1
            ? new HintInputChoice(SingleImage(model, inputs, candidates[0], listed), candidates[0].Name)
            : throw new InvalidDataException(string.Create(
                CultureInfo.InvariantCulture, $"{model} must have one image input and at most one hint input (a float tensor [N,{classCount}]); its inputs: {listed}."));
    }

    /// <summary>Whether <paramref name="input"/> has the hint's shape: a float tensor [batch, classes].</summary>
    public static bool IsHintShaped(GraphInput input, int classCount)
    {
        ArgumentNullException.ThrowIfNull(input);
        return input.IsFloatTensor && input.Dimensions.Length == 2 && classCount > 0 && input.Dimensions[1] == classCount;
    }

    private static GraphInput Describe(string name, NodeMetadata metadata) =>
        new(name, metadata.IsTensor ? metadata.Dimensions : [], metadata.IsTensor && metadata.ElementType == typeof(float));

    /// <summary>Values per sample of an output [N, ...]; 0 when a dimension past the batch is dynamic (the batch runner then says why).</summary>
    private static int SampleLength(NodeMetadata output)
    {
        if (!output.IsTensor || output.Dimensions.Length < 2)
        {
            return 0;
        }

        var length = 1;
        foreach (var dimension in output.Dimensions.AsSpan(1))
        {
            if (dimension <= 0)
            {
                return 0;
            }

            length *= dimension;
        }

        return length;
    }

    private static string SingleImage(string model, IReadOnlyList<GraphInput> inputs, GraphInput hint, string listed)
    {
        var others = inputs.Where(i => !ReferenceEquals(i, hint)).ToList();
        return others.Count == 1
            ? others[0].Name
            : throw new InvalidDataException($"{model} must have one image input besides the hint input {hint.Name}; its inputs: {listed}.");
    }
}
