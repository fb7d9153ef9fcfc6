using Kcm.Core.Data;
using Kcm.Core.Models;
using Kcm.Core.Numerics;

namespace Kcm.Evaluation;

/// <summary>
/// The large model over a data set in chunks, reading raw features and, when it is an <see cref="IHintedClassifier"/>
/// and a small model is given, the small model's probabilities on the scaled features as its hint.
/// </summary>
public static class LargeModelRuns
{
    private const int Chunk = 256;

    /// <summary>Per row: the large model's probabilities (rows x classes), whether its argmax is the label, and the hint's argmax (-1 without a hint).</summary>
    public static (float[] Probabilities, bool[] Correct, int[] HintClass) Run(IClassifier large, Dataset raw, Dataset scaled, IClassifier? small)
    {
        ArgumentNullException.ThrowIfNull(large);
        ArgumentNullException.ThrowIfNull(raw);
        ArgumentNullException.ThrowIfNull(scaled);
        var classes = large.ClassCount;
        var probabilities = new float[raw.Count * classes];
        var correct = new bool[raw.Count];
        var hintClass = new int[raw.Count];
        Array.Fill(hintClass, -1);
        var hinted = large as IHintedClassifier;
        var hints = hinted is not null && small is not null ? new float[Chunk * classes] : null;
        for (var start = 0; start < raw.Count; start += Chunk)
        {
            var rows = Math.Min(Chunk, raw.Count - start);
            var inputs = raw.Features.AsSpan(start * raw.FeatureCount, rows * raw.FeatureCount);
            var output = probabilities.AsSpan(start * classes, rows * classes);
            if (hints is not null)
            {
                small!.Probabilities(scaled.Features.AsSpan(start * scaled.FeatureCount, rows * scaled.FeatureCount), rows, hints);
                hinted!.Logits(inputs, hints.AsSpan(0, rows * classes), rows, output);
                for (var r = 0; r < rows; r++)
                {
                    hintClass[start + r] = System.Numerics.Tensors.TensorPrimitives.IndexOfMax(hints.AsSpan(r * classes, classes));
                }
            }
            else
            {
                large.Logits(inputs, rows, output);
            }

            for (var r = 0; r < rows; r++)
            {
                var row = output.Slice(r * classes, classes);
                Softmax.Apply(row, row);
                correct[start + r] = System.Numerics.Tensors.TensorPrimitives.IndexOfMax(row) == raw.Labels[start + r];
            }
        }

        return (probabilities, correct, hintClass);
    }
}
