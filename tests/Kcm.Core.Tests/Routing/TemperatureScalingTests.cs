using Kcm.Core.Numerics;
using Kcm.Core.Routing;

namespace Kcm.Core.Tests.Routing;

public sealed class TemperatureScalingTests
{
    [Fact]
    public void Fit_LogitsThreeTimesTooSharp_FindsAboutThree()
    {
        // Labels drawn from softmax(z); the model reports 3z, so T = 3 undoes the over-confidence.
        var random = new Random(5);
        const int rows = 4_000, classes = 4;
        var logits = new float[rows * classes];
        var labels = new int[rows];
        Span<float> p = stackalloc float[classes];
        for (var r = 0; r < rows; r++)
        {
            var z = logits.AsSpan(r * classes, classes);
            for (var c = 0; c < classes; c++)
            {
                z[c] = (float)(random.NextDouble() * 3);
            }

            Softmax.Apply(z, p);
            var u = random.NextDouble();
            var label = 0;
            for (var acc = p[0]; acc < u && label < classes - 1; acc += p[++label])
            {
            }

            labels[r] = label;
            for (var c = 0; c < classes; c++)
            {
                z[c] *= 3f;
            }
        }

        var temperature = TemperatureScaling.Fit(logits, labels, classes);

        Assert.InRange(temperature, 2.6f, 3.4f);
    }
}
