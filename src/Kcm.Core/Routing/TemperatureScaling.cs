using Kcm.Core.Numerics;

namespace Kcm.Core.Routing;

/// <summary>
/// Temperature scaling (Guo et al., 2017): the single T &gt; 0 that minimises the mean negative log-likelihood of
/// softmax(logits / T) on held-out labelled rows, found by golden-section search over log T in [ln 0.05, ln 20]
/// (the NLL is unimodal in T for fixed logits).
/// </summary>
public static class TemperatureScaling
{
    private const double LowLog = -2.995732273553991; // ln 0.05
    private const double HighLog = 2.995732273553991; // ln 20
    private const int Iterations = 60;

    /// <summary>T for row-major <paramref name="logits"/> (rows x <paramref name="classes"/>) and their labels.</summary>
    public static float Fit(ReadOnlySpan<float> logits, ReadOnlySpan<int> labels, int classes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(classes, 2);
        if (labels.IsEmpty || logits.Length != labels.Length * classes)
        {
            throw new ArgumentException($"Need one row of {classes} logits per label (have {logits.Length} values, {labels.Length} labels; at least one).");
        }

        var logitArray = logits.ToArray();
        var labelArray = labels.ToArray();
        var golden = (Math.Sqrt(5) - 1) / 2;
        double low = LowLog, high = HighLog;
        var a = high - (golden * (high - low));
        var b = low + (golden * (high - low));
        var fa = Loss(logitArray, labelArray, classes, a);
        var fb = Loss(logitArray, labelArray, classes, b);
        for (var i = 0; i < Iterations; i++)
        {
            if (fa <= fb)
            {
                high = b;
                b = a;
                fb = fa;
                a = high - (golden * (high - low));
                fa = Loss(logitArray, labelArray, classes, a);
            }
            else
            {
                low = a;
                a = b;
                fa = fb;
                b = low + (golden * (high - low));
                fb = Loss(logitArray, labelArray, classes, b);
            }
        }

        return (float)Math.Exp((low + high) / 2);
    }

    /// <summary>Mean negative log-likelihood of softmax(logits / T) at T = exp(<paramref name="logTemperature"/>).</summary>
    private static double Loss(float[] logits, int[] labels, int classes, double logTemperature)
    {
        var temperature = (float)Math.Exp(logTemperature);
        Span<float> row = classes <= 256 ? stackalloc float[classes] : new float[classes];
        var sum = 0.0;
        for (var r = 0; r < labels.Length; r++)
        {
            Softmax.ApplyLog(logits.AsSpan(r * classes, classes), row, temperature);
            sum -= row[labels[r]];
        }

        return sum / labels.Length;
    }
}
