namespace Kcm.Onnx.Tests;

/// <summary>The hot path allocates nothing per call once every batch size in use has been seen.</summary>
[Collection(nameof(AllocationCollection))]
public sealed class AllocationTests
{
    [Fact]
    public void Run_OneInput_AllocatesNothingPerCall()
    {
        using var session = Fixtures.Load(Fixtures.LinearSoftmax);
        using var runner = OnnxBatchRunner.ForSingleTensor(session);
        int[] batches = [32, 1, 7];
        var inputs = batches.Select(b => Fixtures.RandomInputs(b * 4, seed: b)).ToArray();
        var outputs = batches.Select(b => new float[b * 3]).ToArray();
        for (var i = 0; i < 100; i++)
        {
            runner.Run(inputs[i % 3], batches[i % 3], outputs[i % 3]);
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 999; i++)
        {
            runner.Run(inputs[i % 3], batches[i % 3], outputs[i % 3]);
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
        Assert.Equal(Fixtures.LinearSoftmaxExpected(inputs[0], 32)[0], outputs[0][0], 1e-5f);
    }

    [Fact]
    public void Run_TwoInputs_AllocatesNothingPerCall()
    {
        const int Batch = 16;
        using var session = Fixtures.Load(Fixtures.Hinted);
        using var runner = new OnnxBatchRunner(session, ["x", "hint"], "logits");
        var x = Fixtures.RandomInputs(Batch * 4, seed: 3);
        var hint = Fixtures.RandomInputs(Batch * 3, seed: 4);
        var output = new float[Batch * 3];
        for (var i = 0; i < 100; i++)
        {
            runner.Run(x, hint, Batch, output);
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1000; i++)
        {
            runner.Run(x, hint, Batch, output);
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
        Assert.Equal(Fixtures.HintedExpected(x, hint, Batch)[^1], output[^1], 1e-5f);
    }
}
