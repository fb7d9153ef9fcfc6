namespace Kcm.Onnx.Tests;

public sealed class ConcurrencyTests
{
    [Fact]
    public void Run_EightThreadsOnOneRunner_GiveTheSameResultsAsOneThread()
    {
        const int Batch = 16;
        const int Threads = 8;
        const int Iterations = 200;
        using var session = Fixtures.Load(Fixtures.LinearSoftmax);
        using var runner = OnnxBatchRunner.ForSingleTensor(session);
        var inputs = Enumerable.Range(0, Threads).Select(t => Fixtures.RandomInputs(Batch * 4, seed: 100 + t)).ToArray();
        var expected = inputs.Select(input =>
        {
            var output = new float[Batch * 3];
            runner.Run(input, Batch, output);
            return output;
        }).ToArray();

        var mismatches = 0;
        using var start = new Barrier(Threads);
        var workers = Enumerable.Range(0, Threads).Select(t => new Thread(() =>
        {
            var output = new float[Batch * 3];
            start.SignalAndWait();
            for (var i = 0; i < Iterations; i++)
            {
                // Each thread cycles through every input so threads race on different data at once.
                var which = (t + i) % Threads;
                runner.Run(inputs[which], Batch, output);
                if (!output.AsSpan().SequenceEqual(expected[which]))
                {
                    Interlocked.Increment(ref mismatches);
                }
            }
        })).ToArray();
        foreach (var worker in workers)
        {
            worker.Start();
        }

        foreach (var worker in workers)
        {
            worker.Join();
        }

        Assert.Equal(0, mismatches);
    }
}
