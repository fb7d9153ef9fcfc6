using Kcm.Grains.Large;

namespace Kcm.Cluster.Tests.Support;

/// <summary>
/// A large model whose answer is easy to check: logit c of a sample is the sum of its features plus c plus hint c.
/// It counts the samples it ran and can be held inside <see cref="Run"/> (to kill its node mid-request).
/// </summary>
public sealed class ArithmeticLargeModel : ILargeModel
{
    public const int Features = 4;
    public const int Classes = 3;

    private int _samplesRun;

    public string Name => "arithmetic";

    public int InputSize => Features;

    public int ClassCount => Classes;

    public string? HintInputName => "hint";

    /// <summary>While reset, Run blocks (after signalling <see cref="Entered"/>).</summary>
    public ManualResetEventSlim Gate { get; } = new(initialState: true);

    public ManualResetEventSlim Entered { get; } = new(initialState: false);

    /// <summary>Extra time each batch takes.</summary>
    public TimeSpan Delay { get; set; }

    public int SamplesRun => Volatile.Read(ref _samplesRun);

    public static float Expected(ReadOnlySpan<float> sample, ReadOnlySpan<float> hint, int c)
    {
        var sum = 0f;
        foreach (var value in sample)
        {
            sum += value;
        }

        return sum + c + (hint.IsEmpty ? 0 : hint[c]);
    }

    public void Run(ReadOnlySpan<float> inputs, ReadOnlySpan<float> hints, int batchSize, Span<float> logits)
    {
        Entered.Set();
        Gate.Wait(TimeSpan.FromSeconds(30));
        if (Delay > TimeSpan.Zero)
        {
            Thread.Sleep(Delay);
        }

        for (var i = 0; i < batchSize; i++)
        {
            for (var c = 0; c < Classes; c++)
            {
                logits[i * Classes + c] = Expected(inputs.Slice(i * Features, Features), hints.Slice(i * Classes, Classes), c);
            }
        }

        Interlocked.Add(ref _samplesRun, batchSize);
    }

    public void Dispose()
    {
    }
}
