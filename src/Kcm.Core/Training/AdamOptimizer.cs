namespace Kcm.Core.Training;

/// <summary>Adam (Kingma and Ba) over one flat parameter array, with bias-corrected moment estimates.</summary>
public sealed class AdamOptimizer
{
    private readonly float[] _firstMoment;
    private readonly float[] _secondMoment;
    private readonly float _beta1;
    private readonly float _beta2;
    private readonly float _epsilon;
    private int _step;

    public AdamOptimizer(int parameterCount, float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-8f)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(parameterCount, 1);
        if (!(beta1 >= 0f && beta1 < 1f) || !(beta2 >= 0f && beta2 < 1f) || !(epsilon > 0f))
        {
            throw new ArgumentException($"Adam needs 0 <= beta1, beta2 < 1 and epsilon > 0 (got {beta1}, {beta2}, {epsilon}).");
        }

        _firstMoment = new float[parameterCount];
        _secondMoment = new float[parameterCount];
        _beta1 = beta1;
        _beta2 = beta2;
        _epsilon = epsilon;
    }

    /// <summary>Steps taken so far.</summary>
    public int Steps => _step;

    /// <summary>One update of <paramref name="parameters"/> in place from <paramref name="gradient"/>.</summary>
    public void Step(Span<float> parameters, ReadOnlySpan<float> gradient, float learningRate)
    {
        if (parameters.Length != _firstMoment.Length || gradient.Length != _firstMoment.Length)
        {
            throw new ArgumentException($"Expected {_firstMoment.Length} parameters and gradients; got {parameters.Length} and {gradient.Length}.");
        }

        _step++;
        var correction1 = 1f - MathF.Pow(_beta1, _step);
        var correction2 = 1f - MathF.Pow(_beta2, _step);
        var stepSize = learningRate / correction1;
        var secondScale = 1f / MathF.Sqrt(correction2);
        for (var i = 0; i < parameters.Length; i++)
        {
            var g = gradient[i];
            var m = (_beta1 * _firstMoment[i]) + ((1f - _beta1) * g);
            var v = (_beta2 * _secondMoment[i]) + ((1f - _beta2) * g * g);
            _firstMoment[i] = m;
            _secondMoment[i] = v;
            parameters[i] -= stepSize * m / ((MathF.Sqrt(v) * secondScale) + _epsilon);
        }
    }
}
