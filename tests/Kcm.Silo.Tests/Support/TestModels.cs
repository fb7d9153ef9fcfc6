namespace Kcm.Silo.Tests.Support;

/// <summary>
/// Tiny fixed models with predictable answers. Samples have <see cref="Features"/> features and <see cref="Classes"/> classes.
/// The judge's confidence rises with feature 0 (x0 = 0 gives 0.1, x0 = 0.5 about 0.943, x0 = 1 about 0.9996);
/// the small model of generation g always answers class g mod 10; the large model answers the argmax of features 1..7 + 1.
/// </summary>
internal static class TestModels
{
    public const int Features = 8;
    public const int Classes = 10;

    public static LinearClassifier Judge()
    {
        var weights = new float[Features * Classes];
        weights[0] = 10f; // feature 0 -> class 0 logit
        return new LinearClassifier(Features, Classes, weights, new float[Classes]);
    }

    /// <summary>A small model that answers class <c>generation % 10</c> for every input.</summary>
    public static LinearClassifier Small(int generation)
    {
        var bias = new float[Classes];
        bias[generation % Classes] = 5f;
        return new LinearClassifier(Features, Classes, new float[Features * Classes], bias);
    }

    /// <summary>The generation a small model made by <see cref="Small"/> answers for.</summary>
    public static int LabelOf(LinearClassifier small) => Array.IndexOf(small.Bias, small.Bias.Max());

    public static LinearClassifier Large()
    {
        var weights = new float[Features * Classes];
        for (var i = 1; i < Features; i++)
        {
            weights[(i * Classes) + i + 1] = 10f; // feature i -> class i + 1
        }

        return new LinearClassifier(Features, Classes, weights, new float[Classes]);
    }

    /// <summary>A sample the judge is sure of (x0 = 1): it goes to the small model at any threshold below 0.9996.</summary>
    public static float[] Confident() => Sample(1f, hot: 3);

    /// <summary>A sample the judge doubts (x0 = 0, confidence 0.1): it goes to the large model, which answers <paramref name="hot"/> + 1.</summary>
    public static float[] Doubtful(int hot = 3) => Sample(0f, hot);

    /// <summary>A sample of middling confidence (about 0.943).</summary>
    public static float[] Middling() => Sample(0.5f, hot: 3);

    private static float[] Sample(float x0, int hot)
    {
        var x = new float[Features];
        x[0] = x0;
        x[hot] = 1f;
        return x;
    }
}
