using Microsoft.ML.OnnxRuntime;

namespace Kcm.Onnx.Tests;

/// <summary>The committed fixture models (made by Fixtures/make_fixtures.py) and the outputs they should give.</summary>
internal static class Fixtures
{
    public static string LinearSoftmax => Model("linear_softmax.onnx");
    public static string TwoInputs => Model("two_inputs.onnx");
    public static string Symbolic => Model("symbolic.onnx");
    public static string FixedBatch => Model("fixed_batch.onnx");
    public static string Hinted => Model("hinted.onnx");

    public static OnnxSessionOptions Options { get; } = OnnxSessionOptions.Default;

    public static InferenceSession Load(string model) => OnnxSessionLoader.Load(model, Options);

    private static string Model(string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", name);

    /// <summary>W[i,j] = (3i + j - 5) / 10 and b[j] = (j - 1) / 4, as in make_fixtures.py; returns softmax(xW + b) row by row.</summary>
    public static float[] LinearSoftmaxExpected(float[] x, int batch)
    {
        var result = new float[batch * 3];
        for (var n = 0; n < batch; n++)
        {
            var logits = new double[3];
            for (var j = 0; j < 3; j++)
            {
                double sum = (j - 1) / 4.0;
                for (var i = 0; i < 4; i++)
                {
                    sum += x[(n * 4) + i] * ((3 * i) + j - 5) / 10.0;
                }

                logits[j] = sum;
            }

            var max = logits.Max();
            var total = logits.Sum(l => Math.Exp(l - max));
            for (var j = 0; j < 3; j++)
            {
                result[(n * 3) + j] = (float)(Math.Exp(logits[j] - max) / total);
            }
        }

        return result;
    }

    /// <summary>x W + 2 hint row by row, W as in <see cref="LinearSoftmaxExpected"/> (hinted.onnx).</summary>
    public static float[] HintedExpected(float[] x, float[] hint, int batch)
    {
        var result = new float[batch * 3];
        for (var n = 0; n < batch; n++)
        {
            for (var j = 0; j < 3; j++)
            {
                double sum = 2.0 * hint[(n * 3) + j];
                for (var i = 0; i < 4; i++)
                {
                    sum += x[(n * 4) + i] * ((3 * i) + j - 5) / 10.0;
                }

                result[(n * 3) + j] = (float)sum;
            }
        }

        return result;
    }

    public static float[] RandomInputs(int count, int seed)
    {
        var random = new Random(seed);
        var values = new float[count];
        for (var i = 0; i < count; i++)
        {
            values[i] = (float)((random.NextDouble() * 4) - 2);
        }

        return values;
    }
}
