using Kcm.Grains.Large;
using Kcm.Onnx;

namespace Kcm.Silo.Embedded;

/// <summary>
/// The large model as one ONNX Runtime session taking images [N,1,28,28] (or any single float input of
/// <see cref="InputSize"/> per sample) and giving logits [N,classes]. When the model declares the configured hint
/// input, the small model's probabilities [N,classes] go there; otherwise the zero-allocation single-tensor path runs.
/// </summary>
public sealed class OnnxLargeModel : ILargeModel
{
    private readonly OnnxSession _session;
    private readonly string _imageInput;
    private readonly string _output;

    public OnnxLargeModel(string path, string? hintInputName, OnnxSessionOptions options)
    {
        _session = OnnxSession.Load(path, options);
        try
        {
            Name = Path.GetFileName(path);
            HintInputName = hintInputName is not null && _session.Inputs.Any(i => i.Name == hintInputName) ? hintInputName : null;
            var images = _session.Inputs.Where(i => i.Name != HintInputName).ToList();
            if (images.Count != 1 || _session.Outputs.Count < 1)
            {
                throw new InvalidDataException(
                    $"{path} must have one image input (besides the optional hint input) and a logits output; it has inputs {string.Join(", ", _session.Inputs)}.");
            }

            _imageInput = images[0].Name;
            _output = _session.Outputs[0].Name;
            InputSize = PerSample(images[0].Shape);
            ClassCount = PerSample(_session.Outputs[0].Shape);
        }
        catch
        {
            _session.Dispose();
            throw;
        }
    }

    public string Name { get; }

    public int InputSize { get; }

    public int ClassCount { get; }

    public string? HintInputName { get; }

    public void Run(ReadOnlySpan<float> inputs, ReadOnlySpan<float> hints, int batchSize, Span<float> logits)
    {
        if (HintInputName is null)
        {
            _session.Run(inputs, batchSize, logits);
            return;
        }

        // The hint path needs two inputs: the general run (it copies, which the hint case accepts).
        var outputs = _session.Run(
            [
                OnnxInputTensor.Float(_imageInput, inputs[..(batchSize * InputSize)].ToArray(), ImageShape(batchSize)),
                OnnxInputTensor.Float(HintInputName, hints[..(batchSize * ClassCount)].ToArray(), batchSize, ClassCount),
            ],
            [_output]);
        outputs[0].Values.AsSpan(0, batchSize * ClassCount).CopyTo(logits);
    }

    public void Dispose() => _session.Dispose();

    private long[] ImageShape(int batchSize)
    {
        var declared = _session.Inputs.First(i => i.Name == _imageInput).Shape;
        var shape = declared.ToArray();
        shape[0] = batchSize;
        return shape;
    }

    private static int PerSample(IReadOnlyList<long> shape)
    {
        long count = 1;
        for (var i = 1; i < shape.Count; i++)
        {
            if (shape[i] <= 0)
            {
                throw new InvalidDataException("Only the batch dimension of the large model may be dynamic.");
            }

            count *= shape[i];
        }

        return checked((int)count);
    }
}
