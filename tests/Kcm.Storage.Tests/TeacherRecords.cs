using Kcm.Core.Distillation;

namespace Kcm.Storage.Tests;

/// <summary>Fashion-MNIST-sized teacher records (784 features, 10 teacher and 10 judge probabilities) that carry their number in feature 0.</summary>
public static class TeacherRecords
{
    public const int Features = 784;
    public const int Classes = 10;

    /// <summary>Record number <paramref name="number"/> (exact as a float up to 2^24).</summary>
    public static TeacherRecord Numbered(int number, bool withJudge = true, int? label = null)
    {
        var features = new float[Features];
        features[0] = number;
        for (var i = 1; i < features.Length; i++)
        {
            // Mostly zeros and a few grey values, like an image.
            features[i] = (i * 7 + number) % 5 == 0 ? ((i + number) % 255) / 255f : 0f;
        }

        var teacher = new float[Classes];
        teacher[number % Classes] = 0.91f;
        for (var c = 0; c < Classes; c++)
        {
            teacher[c] += 0.01f;
        }

        return new TeacherRecord(features, teacher, withJudge ? [.. teacher] : null, label);
    }

    /// <summary>The number a record made by <see cref="Numbered"/> carries.</summary>
    public static int NumberOf(TeacherRecord record) => (int)record.Features[0];
}
