using Kcm.Onnx;

namespace Kcm.Models.Large;

/// <summary>
/// The large model as one ONNX Runtime session taking images [N,1,28,28] (or any single float input of
/// <see cref="InputSize"/> per sample) and giving logits [N,classes]. When the model declares the configured hint
/// input, the small model's probabilities [N,classes] go there too. Both paths run through
/// <see cref="OnnxBatchRunner"/>, which allocates nothing per batch.
/// </summary>
public sealed class OnnxLargeModel : ILargeModel
{
    private readonly OnnxBatchRunner _runner;

    public OnnxLargeModel(string path, string? hintInputName, OnnxSessionOptions options)
    {
        var session = OnnxSessionLoader.Load(path, options);
        try
        {
            Name = Path.GetFileName(path);
            HintInputName = hintInputName is not null && session.InputMetadata.ContainsKey(hintInputName) ? hintInputName : null;
            var images = session.InputNames.Where(n => n != HintInputName).ToList();
            if (images.Count != 1 || session.OutputNames.Count < 1)
            {
                throw new InvalidDataException(
                    $"{path} must have one image input (besides the optional hint input) and a logits output; it has inputs {string.Join(", ", session.InputNames)}.");
            }

            _runner = new OnnxBatchRunner(session, HintInputName is null ? [images[0]] : [images[0], HintInputName], session.OutputNames[0], ownsSession: true);
        }
        catch
        {
            session.Dispose();
            throw;
        }

        InputSize = _runner.SampleInputLength;
        ClassCount = _runner.SampleOutputLength;
        if (HintInputName is not null && _runner.SampleLengthOf(1) != ClassCount)
        {
            _runner.Dispose();
            throw new InvalidDataException($"{path}: the hint input {HintInputName} takes {_runner.SampleLengthOf(1)} values per sample, not one per class ({ClassCount}).");
        }
    }

    public string Name { get; }

    public int InputSize { get; }

    public int ClassCount { get; }

    public string? HintInputName { get; }

    public void Run(ReadOnlySpan<float> inputs, ReadOnlySpan<float> hints, int batchSize, Span<float> logits)
    {
        var images = inputs[..(batchSize * InputSize)];
        var output = logits[..(batchSize * ClassCount)];
        if (HintInputName is null)
        {
            _runner.Run(images, batchSize, output);
        }
        else
        {
            _runner.Run(images, hints[..(batchSize * ClassCount)], batchSize, output);
        }
    }

    /// <summary>Frees the session once a running batch (if any) has finished.</summary>
    public void Dispose() => _runner.Dispose();
}
