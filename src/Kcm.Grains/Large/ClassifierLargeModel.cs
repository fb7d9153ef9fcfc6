using Kcm.Core.Models;

namespace Kcm.Grains.Large;

/// <summary>Any <see cref="IClassifier"/> as a large model without a hint input (e.g. a large model trained in-process).</summary>
public sealed class ClassifierLargeModel(string name, IClassifier classifier) : ILargeModel
{
    public string Name { get; } = name;

    public int InputSize => classifier.InputSize;

    public int ClassCount => classifier.ClassCount;

    public string? HintInputName => null;

    public void Run(ReadOnlySpan<float> inputs, ReadOnlySpan<float> hints, int batchSize, Span<float> logits) =>
        classifier.Logits(inputs, batchSize, logits);

    public void Dispose()
    {
    }
}
