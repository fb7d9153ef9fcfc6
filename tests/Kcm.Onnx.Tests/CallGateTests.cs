namespace Kcm.Onnx.Tests;

public sealed class CallGateTests
{
    [Fact]
    public void Close_WithNoCallRunning_ReleasesOnceAtOnce()
    {
        var releases = 0;
        var gate = new OnnxCallGate(() => releases++);

        gate.Close();
        gate.Close();

        Assert.Equal(1, releases);
        Assert.Throws<ObjectDisposedException>(() => gate.Enter(this));
    }

    [Fact]
    public void Close_WhileCallsRun_RefusesNewOnes_AndReleasesWhenTheLastLeaves()
    {
        var releases = 0;
        var gate = new OnnxCallGate(() => releases++);
        gate.Enter(this);
        gate.Enter(this);

        gate.Close();
        var refused = Assert.Throws<ObjectDisposedException>(() => gate.Enter(this));
        gate.Exit();
        var afterFirstExit = releases;
        gate.Exit();

        Assert.Contains(nameof(CallGateTests), refused.ObjectName);
        Assert.Equal(0, afterFirstExit);
        Assert.Equal(1, releases);
    }

    [Fact]
    public void Runner_DisposedWhileOtherThreadsRun_FinishesTheirCallsThenRefuses()
    {
        using var session = Fixtures.Load(Fixtures.LinearSoftmax);
        var runner = new OnnxBatchRunner(session, ["x"], "probs");
        var input = Fixtures.RandomInputs(64 * 4, seed: 8);
        var expected = Fixtures.LinearSoftmaxExpected(input, 64);
        var wrong = 0;
        var refused = 0;
        using var started = new CountdownEvent(4);
        var workers = Enumerable.Range(0, 4).Select(_ => new Thread(() =>
        {
            var output = new float[64 * 3];
            started.Signal();
            while (true)
            {
                try
                {
                    runner.Run(input, 64, output);
                }
                catch (ObjectDisposedException)
                {
                    Interlocked.Increment(ref refused);
                    return;
                }

                if (Math.Abs(output[^1] - expected[^1]) > 1e-5f)
                {
                    Interlocked.Increment(ref wrong);
                }
            }
        })).ToArray();
        foreach (var worker in workers)
        {
            worker.Start();
        }

        started.Wait();
        Thread.Sleep(50);
        runner.Dispose();
        foreach (var worker in workers)
        {
            worker.Join();
        }

        Assert.Equal(0, wrong);
        Assert.Equal(4, refused);
    }
}
