using Kcm.Onnx;
using Microsoft.ML.OnnxRuntime;

namespace Kcm.Models.Large;

/// <summary>
/// The large model as one ONNX Runtime session taking images [N,1,28,28] (or any single float input of
/// <see cref="InputSize"/> per sample) and giving logits [N,classes]. When the model declares a hint input (found by
/// <see cref="HintInputDetection"/>: the one extra input [N,classes], or the configured one), the small model's
/// probabilities [N,classes] go there, or a uniform row (1/classes each) when the hint is turned off. Both paths run
/// through <see cref="OnnxBatchRunner"/>, which allocates nothing per batch.
/// </summary>
public sealed class OnnxLargeModel : ILargeModel
{
    private readonly OnnxBatchRunner _runner;
    private readonly bool _useHint;

    /// <summary>Uniform hint rows for a hint-reading model whose hint is turned off; grown to the largest batch seen.</summary>
    private float[] _uniformHints = [];

    /// <param name="path">The ONNX file.</param>
    /// <param name="options">The session's options.</param>
    /// <param name="hintInputName">The hint input, when the graph cannot tell (several inputs of the hint's shape); null to detect it.</param>
    /// <param name="useHint">False feeds a hint-reading model a uniform hint instead of the small model's probabilities (A/B).</param>
    /// <exception cref="ArgumentException">See <see cref="HintInputDetection.Choose(string, Microsoft.ML.OnnxRuntime.InferenceSession, string?)"/>.</exception>
    /// <exception cref="InvalidDataException">The model's inputs or output do not fit.</exception>
    public OnnxLargeModel(string path, OnnxSessionOptions options, string? hintInputName = null, bool useHint = true)
    {
        var session = OnnxSessionLoader.Load(path, options);
        try
        {
            Name = Path.GetFileName(path);
            var choice = HintInputDetection.Choose(Name, session, hintInputName);
            HintInputName = choice.HintInput;
            _runner = new OnnxBatchRunner(
                session, HintInputName is null ? [choice.ImageInput] : [choice.ImageInput, HintInputName], session.OutputNames[0], ownsSession: true);
        }
        catch
        {
            session.Dispose();
            throw;
        }

        InputSize = _runner.SampleInputLength;
        ClassCount = _runner.SampleOutputLength;
        _useHint = useHint;
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

    public bool UsesHint => HintInputName is not null && _useHint;

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
            _runner.Run(images, _useHint ? hints[..(batchSize * ClassCount)] : UniformHints(batchSize * ClassCount), batchSize, output);
        }
    }

    /// <summary>Frees the session once a running batch (if any) has finished.</summary>
    public void Dispose() => _runner.Dispose();

    private ReadOnlySpan<float> UniformHints(int length)
    {
        // A new array only for a batch larger than any before; filled before it is published, so a racing reader
        // of the field sees either the old array or a complete new one.
        var uniform = Volatile.Read(ref _uniformHints);
        if (uniform.Length < length)
        {
            uniform = new float[length];
            uniform.AsSpan().Fill(1f / ClassCount);
            Volatile.Write(ref _uniformHints, uniform);
        }

        return uniform.AsSpan(0, length);
    }
}
