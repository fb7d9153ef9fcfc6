using Kcm.Core.Kan;
using Kcm.Core.Tests.Numerics;
using Kcm.Core.Training;

namespace Kcm.Core.Tests.Kan;

public class KanLayerTests
{
    [Fact]
    public void Backward_ParameterAndInputGradients_MatchFiniteDifferences()
    {
        var layer = new KanLayer(inputs: 4, outputs: 3, gridSize: 5, order: 3, min: -1f, max: 1f);
        const int Batch = 5;
        var parameters = new float[layer.ParameterCount];
        layer.Initialize(parameters, new Random(3));
        // Larger spline coefficients than the initial ones, so the spline part of dL/dx is exercised too.
        for (var i = 0; i < parameters.Length; i++)
        {
            parameters[i] *= 5f;
        }

        var x = FiniteDifference.Random(Batch * layer.Inputs, 4, -0.95f, 0.95f);
        var weights = FiniteDifference.Random(Batch * layer.Outputs, 5);
        double Loss(float[] p, float[] input)
        {
            var y = new float[Batch * layer.Outputs];
            layer.Forward(p, input, Batch, new float[layer.ActivationSize(Batch)], y);
            return y.Select((v, i) => (double)v * weights[i]).Sum();
        }

        var features = new float[layer.ActivationSize(Batch)];
        layer.Forward(parameters, x, Batch, features, new float[Batch * layer.Outputs]);
        var parameterGradient = new float[layer.ParameterCount];
        var inputGradient = new float[x.Length];
        layer.Backward(parameters, x, Batch, features, weights, parameterGradient, inputGradient, new float[layer.BackwardScratchSize(Batch)]);

        FiniteDifference.AssertGradient(parameters, p => Loss(p, x), parameterGradient);
        FiniteDifference.AssertGradient(x, input => Loss(parameters, input), inputGradient, step: 2e-3f);
    }

    [Fact]
    public void Adam_OneToOneLayer_LearnsSineToSmallError()
    {
        // A single KAN edge (1 -> 1, G = 10, cubic) fits y = sin(pi x) on [-1, 1]; the bar is RMSE < 0.03.
        var layer = new KanLayer(inputs: 1, outputs: 1, gridSize: 10, order: 3, min: -1f, max: 1f);
        const int Samples = 256;
        var x = new float[Samples];
        var target = new float[Samples];
        for (var i = 0; i < Samples; i++)
        {
            x[i] = -1f + (2f * i / (Samples - 1));
            target[i] = MathF.Sin(MathF.PI * x[i]);
        }

        var parameters = new float[layer.ParameterCount];
        layer.Initialize(parameters, new Random(7));
        var adam = new AdamOptimizer(parameters.Length);
        var features = new float[layer.ActivationSize(Samples)];
        var y = new float[Samples];
        var dy = new float[Samples];
        var gradient = new float[parameters.Length];
        for (var step = 0; step < 1500; step++)
        {
            layer.Forward(parameters, x, Samples, features, y);
            for (var i = 0; i < Samples; i++)
            {
                dy[i] = 2f * (y[i] - target[i]) / Samples;
            }

            Array.Clear(gradient);
            layer.Backward(parameters, x, Samples, features, dy, gradient, [], []);
            adam.Step(parameters, gradient, 0.02f);
        }

        layer.Forward(parameters, x, Samples, features, y);
        var rmse = Math.Sqrt(y.Select((v, i) => (double)(v - target[i]) * (v - target[i])).Average());
        Assert.True(rmse < 0.03, $"RMSE {rmse:F4} is not below 0.03.");
    }
}
